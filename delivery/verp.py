"""VERP: the envelope sender of each message names it, signed, so its bounce finds it again.

``bounces@example.com`` becomes ``bounces+m1f4-3b9c1e0a2d@example.com`` for outbound message 0x1f4:
the id in hex and an HMAC of it with SECRET_KEY, so a forged bounce address matches nothing.
"""

from __future__ import annotations

import re

from django.utils.crypto import constant_time_compare, salted_hmac

_SALT = "delivery.verp"
_TOKEN = re.compile(r"^m(?P<id>[0-9a-f]{1,16})-(?P<sig>[0-9a-f]{10})$")


def _signature(outbound_id: int) -> str:
    return salted_hmac(_SALT, str(outbound_id), algorithm="sha256").hexdigest()[:10]


def envelope_sender(bounce_address: str, outbound_id: int) -> str:
    """``local+TOKEN@domain`` for ``bounce_address`` = ``local@domain``."""
    local, _, domain = bounce_address.rpartition("@")
    return f"{local}+m{outbound_id:x}-{_signature(outbound_id)}@{domain}"


def outbound_id_from_address(address: str) -> int | None:
    """The outbound message a VERP address was made for, or None for any other or forged address."""
    local = address.strip().strip("<>").rpartition("@")[0]
    token = local.rpartition("+")[2] if "+" in local else ""
    match = _TOKEN.match(token)
    if match is None:
        return None
    outbound_id = int(match["id"], 16)
    return outbound_id if constant_time_compare(match["sig"], _signature(outbound_id)) else None
