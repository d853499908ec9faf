"""Message-IDs of our outbound mail carry the ticket id, signed, so replies thread even without a store hit.

Format: ``<t{ticket}.{random}.{signature}@{domain}>``. The signature is an HMAC of ticket and random
part with SECRET_KEY, so a forged or mistyped id never attaches mail to someone else's ticket.
"""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

# The salt keeps the module's old name: changing it would unsign every Message-ID already sent.
_SALT = "helpdesk.message_ids"
_PATTERN = re.compile(r"^<?t(?P<ticket>\d{1,18})\.(?P<nonce>[0-9a-f]{16})\.(?P<sig>[0-9a-f]{16})@[^>]+>?$")


def _signature(ticket_id: int, nonce: str) -> str:
    return salted_hmac(_SALT, f"{ticket_id}.{nonce}", algorithm="sha256").hexdigest()[:16]


def make_message_id(*, ticket_id: int, domain: str | None = None) -> str:
    """A new, unique Message-ID (with angle brackets) for mail we send on ``ticket_id``."""
    domain = domain or settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    nonce = secrets.token_hex(8)
    return f"<t{ticket_id}.{nonce}.{_signature(ticket_id, nonce)}@{domain}>"


def ticket_id_from_message_id(message_id: str) -> int | None:
    """The ticket id signed into one of our Message-IDs, or None for any other or forged id."""
    match = _PATTERN.match(message_id.strip())
    if match is None:
        return None
    ticket_id = int(match["ticket"])
    if not constant_time_compare(match["sig"], _signature(ticket_id, match["nonce"])):
        return None
    return ticket_id
