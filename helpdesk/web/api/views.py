"""API views. Tickets come through ``selectors.visible_tickets`` / ``get_ticket_for_user`` and actions
through the same services as the UI, so the API can do nothing the user could not do in the browser."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from delivery import selectors as delivery_selectors
from delivery import services as delivery_services
from delivery.models import OutboundMessage, Suppression
from drafts import selectors as draft_selectors
from drafts import services as draft_services
from drafts.models import Draft
from helpdesk import consent, roles, selectors, services
from helpdesk.models import Tag, Ticket
from helpdesk.web import inbox, metrics
from helpdesk.web.api.permissions import IsStaffMember, IsSupervisor, staff
from helpdesk.web.api.serializers import (
    ApproveInputSerializer,
    ConsentListSerializer,
    ConsentSerializer,
    DeliverySerializer,
    DraftSerializer,
    ErrorSerializer,
    LiftInputSerializer,
    MessageSerializer,
    MetricsSerializer,
    NoteInputSerializer,
    RejectInputSerializer,
    SuppressionSerializer,
    TicketSerializer,
)
from helpdesk.web.inbox import InboxFilters
from helpdesk.web.ticket_views import attachment_response


class SuppressionCursor(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 100


class TicketCursor(CursorPagination):
    """Keyset pages: constant cost at any depth, stable while new tickets arrive."""

    ordering = ("-last_activity_at", "-id")
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


FILTER_PARAMETERS = [
    OpenApiParameter(
        "view", str, enum=list(inbox.VIEWS), description="all, mine, unassigned, review, flagged"
    ),
    OpenApiParameter("status", str, description="unsolved (default), empty for any, or one status"),
    OpenApiParameter("queue", int),
    OpenApiParameter("tag", int),
    OpenApiParameter("language", str),
    OpenApiParameter("q", str, description="full-text search over subject, bodies and contact"),
]


# What every operation may answer besides its result, and what the actions add to that.
REFUSED = {
    401: OpenApiResponse(ErrorSerializer, description="No or an unknown token."),
    403: OpenApiResponse(ErrorSerializer, description="Not allowed: no staff role, or the review policy."),
}
NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="No such object the caller may see.")}
INVALID = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input: each field with its errors.")
}
CONFLICT = {
    409: OpenApiResponse(
        ErrorSerializer, description="The draft changed since that version, or is past that state."
    )
}


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        raise ValidationError({"detail": "must be an integer"}) from None


@extend_schema_view(
    list=extend_schema(parameters=FILTER_PARAMETERS, responses={200: TicketSerializer(many=True), **REFUSED}),
    retrieve=extend_schema(responses={200: TicketSerializer, **REFUSED, **NOT_FOUND}),
)
class TicketViewSet(viewsets.ReadOnlyModelViewSet[Ticket]):
    """Tickets the caller may see."""

    serializer_class = TicketSerializer
    permission_classes = [IsStaffMember]
    pagination_class = TicketCursor

    def get_queryset(self) -> QuerySet[Ticket]:
        params = self.request.query_params
        if self.action != "list":
            return selectors.visible_tickets(self.request.user)
        filters = InboxFilters(
            view=params.get("view", "all"),
            status=params.get("status", "unsolved"),
            queue=_int_or_none(params.get("queue")),
            tag=_int_or_none(params.get("tag")),
            language=params.get("language", ""),
            q=params.get("q", ""),
        )
        return (
            inbox.inbox_queryset(self.request.user, filters)
            .select_related("contact", "company", "queue", "assignee")
            .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        )

    def get_object(self) -> Ticket:
        return selectors.get_ticket_for_user(self.request.user, self.kwargs["pk"])

    @extend_schema(responses={200: MessageSerializer(many=True), **REFUSED, **NOT_FOUND})
    @action(detail=True, methods=["get"], pagination_class=None)
    def messages(self, request: Request, pk: str | None = None) -> Response:
        """The whole conversation, oldest first: inbound mail, replies and internal notes."""
        ticket = self.get_object()
        context = {"deliveries": delivery_selectors.deliveries_by_message(ticket.pk)}
        return Response(MessageSerializer(selectors.conversation(ticket), many=True, context=context).data)

    @extend_schema(
        request=NoteInputSerializer, responses={201: MessageSerializer, **INVALID, **REFUSED, **NOT_FOUND}
    )
    @action(detail=True, methods=["post"])
    def notes(self, request: Request, pk: str | None = None) -> Response:
        """Add an internal note (never sent to the customer)."""
        ticket = self.get_object()
        payload = NoteInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            note = services.add_internal_note(
                ticket=ticket, body=payload.validated_data["body"], actor=staff(request)
            )
        except services.TicketActionError as error:
            raise ValidationError({"body": [str(error)]}) from None
        return Response(MessageSerializer(note).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: DraftSerializer(many=True), **REFUSED, **NOT_FOUND})
    @action(detail=True, methods=["get"], pagination_class=None)
    def drafts(self, request: Request, pk: str | None = None) -> Response:
        """The ticket's drafts, newest first (superseded ones included, for the record)."""
        ticket = self.get_object()
        drafts = Draft.objects.filter(ticket=ticket).select_related("outbound").prefetch_related("citations")
        return Response(DraftSerializer(drafts, many=True).data)


def _draft_error(error: draft_services.DraftError) -> APIException:
    if isinstance(error, draft_services.NotAllowed):
        return PermissionDenied({"detail": str(error), "reasons": error.reasons})
    if isinstance(error, draft_services.InvalidInput):
        return ValidationError({"detail": str(error)})
    conflict = APIException({"detail": str(error)})
    conflict.status_code = status.HTTP_409_CONFLICT
    return conflict


@extend_schema_view(retrieve=extend_schema(responses={200: DraftSerializer, **REFUSED, **NOT_FOUND}))
class DraftViewSet(viewsets.GenericViewSet[Draft], mixins.RetrieveModelMixin):
    """Drafts of tickets the caller may see: read, approve (held for the undo window), reject."""

    serializer_class = DraftSerializer
    permission_classes = [IsStaffMember]

    def get_queryset(self) -> QuerySet[Draft]:
        return (
            draft_selectors.drafts_visible_to(self.request.user)
            .select_related("ticket", "in_reply_to", "outbound")
            .prefetch_related("citations")
        )

    @extend_schema(
        request=ApproveInputSerializer,
        responses={200: DraftSerializer, **INVALID, **REFUSED, **NOT_FOUND, **CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve and queue the reply; it may be sent once ``release_at`` has passed."""
        draft = self.get_object()
        payload = ApproveInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            draft_services.approve_draft(
                draft=draft, user=staff(request), expected_version=payload.validated_data["version"]
            )
        except draft_services.DraftError as error:
            raise _draft_error(error) from None
        return Response(DraftSerializer(self.get_object()).data)

    @extend_schema(
        request=RejectInputSerializer,
        responses={200: DraftSerializer, **INVALID, **REFUSED, **NOT_FOUND, **CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Reject with a reason."""
        draft = self.get_object()
        payload = RejectInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            draft_services.reject_draft(
                draft=draft,
                user=staff(request),
                reason=payload.validated_data["reason"],
                expected_version=payload.validated_data.get("version"),
            )
        except draft_services.DraftError as error:
            raise _draft_error(error) from None
        return Response(DraftSerializer(self.get_object()).data)

    @extend_schema(request=None, responses={200: DraftSerializer, **REFUSED, **NOT_FOUND, **CONFLICT})
    @action(detail=True, methods=["post"])
    def undo(self, request: Request, pk: str | None = None) -> Response:
        """Take back an approval while the reply still waits in the undo window."""
        try:
            draft_services.undo_approval(draft=self.get_object(), user=staff(request))
        except draft_services.DraftError as error:
            raise _draft_error(error) from None
        return Response(DraftSerializer(self.get_object()).data)


@extend_schema(responses={(200, "*/*"): OpenApiTypes.BINARY, **REFUSED, **NOT_FOUND})
@api_view(["GET"])
@permission_classes([IsStaffMember])
def attachment_view(request: Request, pk: int) -> HttpResponseBase:
    """An attachment's bytes, of a message on a ticket the caller may see (``url`` of a message's
    attachments)."""
    return attachment_response(selectors.get_attachment_for_user(request.user, pk))


@extend_schema(responses={200: MetricsSerializer, **REFUSED})
@api_view(["GET"])
@permission_classes([IsSupervisor])
def metrics_view(request: Request) -> Response:
    """Dashboard figures: open tickets by status and age, first-reply median, drafts, delivery, SLA per
    queue and agent, latest escalations."""
    data: dict[str, Any] = metrics.dashboard().as_dict()
    return Response(MetricsSerializer(data).data)


def _delivery_error(error: delivery_services.DeliveryActionError) -> APIException:
    conflict = APIException({"detail": str(error)})
    conflict.status_code = status.HTTP_409_CONFLICT
    return conflict


class OutboundViewSet(viewsets.GenericViewSet[OutboundMessage], mixins.RetrieveModelMixin):
    """Replies of tickets the caller may see: their delivery, and what a person can do when one did not
    go out (send again, record an uncertain one as sent, mark the problem dealt with)."""

    serializer_class = DeliverySerializer
    permission_classes = [IsStaffMember]

    def get_queryset(self) -> QuerySet[OutboundMessage]:
        return delivery_selectors.outbound_visible_to(self.request.user).prefetch_related("delivery_attempts")

    def _act(self, request: Request, action: Any) -> Response:
        outbound = self.get_object()
        try:
            action(outbound=outbound, actor=staff(request))
        except delivery_services.DeliveryActionError as error:
            raise _delivery_error(error) from None
        return Response(DeliverySerializer(self.get_queryset().get(pk=outbound.pk)).data)

    @extend_schema(request=None, responses={200: DeliverySerializer, **REFUSED, **NOT_FOUND, **CONFLICT})
    @action(detail=True, methods=["post"])
    def resend(self, request: Request, pk: str | None = None) -> Response:
        """Send a failed, suppressed or uncertain reply again (the pre-send gate still applies)."""
        return self._act(request, delivery_services.resend_outbound)

    @extend_schema(request=None, responses={200: DeliverySerializer, **REFUSED, **NOT_FOUND, **CONFLICT})
    @action(detail=True, methods=["post"], url_path="mark-sent")
    def mark_sent(self, request: Request, pk: str | None = None) -> Response:
        """Record an uncertain reply as sent, after checking that it arrived."""
        return self._act(request, delivery_services.mark_outbound_sent)

    @extend_schema(request=None, responses={200: DeliverySerializer, **REFUSED, **NOT_FOUND, **CONFLICT})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        """Mark a delivery problem as dealt with."""
        return self._act(request, delivery_services.acknowledge_problem)


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("address", str), OpenApiParameter("lifted", bool)],
        responses={200: SuppressionSerializer(many=True), **REFUSED},
    ),
    create=extend_schema(responses={201: SuppressionSerializer, **INVALID, **REFUSED}),
)
class SuppressionViewSet(
    viewsets.GenericViewSet[Suppression], mixins.ListModelMixin, mixins.CreateModelMixin
):
    """The suppression list (supervisors): who gets no mail, why, for which stream. Entries are added
    and lifted, never deleted; both are audited."""

    serializer_class = SuppressionSerializer
    permission_classes = [IsSupervisor]
    pagination_class = SuppressionCursor

    def get_queryset(self) -> QuerySet[Suppression]:
        entries = Suppression.objects.select_related("created_by")
        params = self.request.query_params
        if params.get("lifted", "false").lower() not in {"1", "true"}:
            entries = entries.filter(lifted_at__isnull=True)
        if params.get("address"):
            entries = entries.filter(address=params["address"].strip().lower())
        return entries

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = SuppressionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            entry = delivery_services.suppress_address(
                address=data.get("address", ""),
                domain=data.get("domain", ""),
                reason=data["reason"],
                scope=data.get("scope", ""),
                note=data.get("note", ""),
                source="api",
                actor=staff(request),
                expires_at=data.get("expires_at"),
            )
        except delivery_services.DeliveryActionError as error:
            raise ValidationError({"detail": str(error)}) from None
        return Response(SuppressionSerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=LiftInputSerializer,
        responses={200: SuppressionSerializer, **INVALID, **REFUSED, **NOT_FOUND, **CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def lift(self, request: Request, pk: str | None = None) -> Response:
        """Let mail go to the address again; the entry stays, with who lifted it and why."""
        payload = LiftInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            entry = delivery_services.lift_suppression(
                suppression=self.get_object(), actor=staff(request), reason=payload.validated_data["reason"]
            )
        except delivery_services.DeliveryActionError as error:
            raise _delivery_error(error) from None
        return Response(SuppressionSerializer(entry).data)


@extend_schema(
    methods=["GET"],
    responses={200: ConsentListSerializer, **REFUSED, **NOT_FOUND},
    operation_id="contact_consents",
)
@extend_schema(
    methods=["POST"],
    request=ConsentSerializer,
    responses={201: ConsentSerializer, **INVALID, **REFUSED, **NOT_FOUND},
    operation_id="contact_consent_record",
)
@api_view(["GET", "POST"])
@permission_classes([IsStaffMember])
def contact_consents_view(request: Request, pk: int) -> Response:
    """A contact's consent per purpose and its history (staff who see one of the contact's tickets);
    supervisors record a grant or withdrawal (audited; it wins from now on)."""
    contact = selectors.get_contact_for_user(request.user, pk)
    if request.method == "GET":
        current = consent.current_consents(contact)
        body = {
            "current": {
                purpose: ConsentSerializer(record).data if record else None
                for purpose, record in current.items()
            },
            "history": ConsentSerializer(consent.consent_history(contact), many=True).data,
        }
        return Response(body)
    if not roles.is_supervisor(request.user):
        raise PermissionDenied("Only supervisors record consent.")
    payload = ConsentSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    data = payload.validated_data
    try:
        record = consent.record_consent(
            contact=contact,
            purpose=data["purpose"],
            granted=data["granted"],
            source=data["source"],
            evidence=data.get("evidence", ""),
            actor=staff(request),
        )
    except consent.ConsentError as error:
        raise ValidationError({"detail": str(error)}) from None
    return Response(ConsentSerializer(record).data, status=status.HTTP_201_CREATED)
