"""``Authorization: Token <key>`` against hashed ``ApiToken`` rows, and its OpenAPI description."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import authentication, exceptions

from helpdesk.web.api import tokens


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """DRF's header parsing and 401 answers; the key is looked up by its SHA-256 instead of in plain
    text. Inactive users are refused as before."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        token = tokens.find_token(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        tokens.mark_used(token)
        return (token.user, token)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        scheme: dict[str, Any] = build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix="Token"
        )
        scheme["description"] = (
            "`Authorization: Token <key>`. Each staff user creates keys on /settings/; admins also with "
            "`manage.py api_token USERNAME`. A key is shown once, when it is created."
        )
        return scheme
