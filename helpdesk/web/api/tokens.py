"""API tokens: made, replaced and revoked here, each with an audit event. Only a key's SHA-256 is stored.

Keys are 256 random bits, so a plain SHA-256 is enough (no salt, no slow hash: nothing can be guessed)
and the lookup by hash through a unique index leaks nothing useful by its timing."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from helpdesk.audit import audit
from helpdesk.models import ApiToken

# Recognisable in logs and by secret scanners; the random part follows.
KEY_PREFIX = "hdk_"
# How many characters of a key stay visible (the prefix plus 8 random ones, 48 of its 256 bits).
VISIBLE_CHARS = len(KEY_PREFIX) + 8
# ``last_used_at`` is written at most this often per token, not on every request.
LAST_USED_RESOLUTION_SECONDS = 60


@dataclass(frozen=True)
class IssuedToken:
    """A token together with its key: the only moment the key exists outside the client."""

    token: ApiToken
    key: str


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def visible_prefix(key: str) -> str:
    return key[:VISIBLE_CHARS] if key.startswith(KEY_PREFIX) else key[:8]


def _new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def create_api_token(*, user: Any, name: str = "", actor: Any = None, system: str = "") -> IssuedToken:
    """A new token for ``user``; the caller shows ``key`` once and forgets it."""
    key = _new_key()
    token = ApiToken.objects.create(
        user=user, name=name.strip(), prefix=visible_prefix(key), key_hash=hash_key(key)
    )
    _audit("api_token.created", token, actor=actor, system=system)
    return IssuedToken(token=token, key=key)


@transaction.atomic
def replace_api_token(*, token: ApiToken, actor: Any = None, system: str = "") -> IssuedToken:
    """A new key for ``token`` (same name and owner); the old key stops working at once."""
    key = _new_key()
    old_prefix = token.prefix
    token.prefix, token.key_hash = visible_prefix(key), hash_key(key)
    token.created_at, token.last_used_at = timezone.now(), None
    token.save(update_fields=["prefix", "key_hash", "created_at", "last_used_at"])
    _audit("api_token.replaced", token, actor=actor, system=system, old_prefix=old_prefix)
    return IssuedToken(token=token, key=key)


@transaction.atomic
def revoke_api_token(*, token: ApiToken, actor: Any = None, system: str = "") -> None:
    """Delete ``token``; its key stops working at once."""
    _audit("api_token.revoked", token, actor=actor, system=system)
    token.delete()


def find_token(key: str) -> ApiToken | None:
    """The token whose key is ``key``, with its user, or None."""
    return ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()


def mark_used(token: ApiToken) -> None:
    """Record that ``token`` was used now, writing only when the stored time is older than a minute."""
    now = timezone.now()
    last = token.last_used_at
    if last is not None and (now - last).total_seconds() < LAST_USED_RESOLUTION_SECONDS:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


def _audit(action: str, token: ApiToken, *, actor: Any, system: str, **extra: str) -> None:
    data = {"user": token.user.get_username(), "name": token.name, "prefix": token.prefix, **extra}
    audit(action=action, obj=token, actor=actor, system=system or "system", data=data)
