"""GDPR over the API: a contact's export (JSON or zip, streamed), erasure and legal hold. The contact
comes through ``selectors.get_contact_for_user``; who may do what is decided by ``privacy.services``
(supervisors export, admins erase and hold)."""

from __future__ import annotations

from typing import Any

from django.http import StreamingHttpResponse
from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk import selectors
from helpdesk.web.api.permissions import IsSupervisor
from helpdesk.web.api.views import INVALID, NOT_FOUND, REFUSED
from privacy import services

CONTENT_TYPES = {"json": "application/json", "zip": "application/zip"}
HELD = {409: OpenApiResponse(description="A legal hold is set, or the contact was already erased.")}


class ReasonSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=2000)


class ErasureSerializer(serializers.Serializer[Any]):
    contact = serializers.IntegerField()
    pseudonym = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField())


def _refused(error: services.PrivacyError) -> APIException:
    if isinstance(error, services.NotAllowed):
        return PermissionDenied(str(error))
    conflict = APIException({"detail": str(error)})
    conflict.status_code = status.HTTP_409_CONFLICT
    return conflict


def _export(request: Request, pk: int, kind: str) -> HttpResponseBase:
    contact = selectors.get_contact_for_user(request.user, pk)
    try:
        stream = services.export_contact(contact=contact, actor=request.user, kind=kind)
    except services.PrivacyError as error:
        raise _refused(error) from None
    response = StreamingHttpResponse(stream, content_type=CONTENT_TYPES[kind])
    response["Content-Disposition"] = f'attachment; filename="contact-{contact.pk}.{kind}"'
    return response


@extend_schema(responses={(200, "application/json"): OpenApiTypes.OBJECT, **REFUSED, **NOT_FOUND})
@api_view(["GET"])
@permission_classes([IsSupervisor])
def export_json(request: Request, pk: int) -> HttpResponseBase:
    """Everything about the contact as one JSON document (sections: contact, tickets, messages,
    inbound mail, drafts, outbound mail, delivery events, suppressions, feedback, audit events),
    streamed. Supervisors and admins; audited as ``contact.exported``."""
    return _export(request, pk, "json")


@extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY, **REFUSED, **NOT_FOUND})
@api_view(["GET"])
@permission_classes([IsSupervisor])
def export_zip(request: Request, pk: int) -> HttpResponseBase:
    """The JSON document with the raw mail (``mail/*.eml``) and attachments (``attachments/``), as a
    zip, streamed."""
    return _export(request, pk, "zip")


@extend_schema(
    request=ReasonSerializer, responses={200: ErasureSerializer, **REFUSED, **NOT_FOUND, **INVALID, **HELD}
)
@api_view(["POST"])
@permission_classes([IsSupervisor])
def erase(request: Request, pk: int) -> Response:
    """Erase the contact's personal data (admins only); refused while a legal hold is set."""
    contact = selectors.get_contact_for_user(request.user, pk)
    data = ReasonSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    try:
        result = services.erase_contact(
            contact=contact, actor=request.user, reason=data.validated_data["reason"]
        )
    except services.PrivacyError as error:
        raise _refused(error) from None
    body = {"contact": result.contact_id, "pseudonym": result.pseudonym, "counts": result.counts}
    return Response(ErasureSerializer(body).data)


@extend_schema(request=ReasonSerializer, responses={204: None, **REFUSED, **NOT_FOUND, **INVALID})
@api_view(["POST", "DELETE"])
@permission_classes([IsSupervisor])
def legal_hold(request: Request, pk: int) -> Response:
    """POST sets a legal hold with a reason, DELETE clears it (admins only); both audited."""
    contact = selectors.get_contact_for_user(request.user, pk)
    try:
        if request.method == "DELETE":
            services.clear_legal_hold(contact=contact, actor=request.user)
        else:
            data = ReasonSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            services.set_legal_hold(contact=contact, actor=request.user, reason=data.validated_data["reason"])
    except services.PrivacyError as error:
        raise _refused(error) from None
    return Response(status=status.HTTP_204_NO_CONTENT)
