"""What a bounce or complaint says about the mail it returns: the addresses it was delivered to (our
VERP envelope sender comes back as the bounce's recipient) and the Message-IDs of the returned
original. Pure: the delivery app matches these against its outbound messages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from email.utils import getaddresses

from helpdesk.mail.bounces import report_parts

_LIMIT = 512 * 1024
_MESSAGE_ID = re.compile(
    rb"^(?:Message-ID|Original-Message-ID)\s*:\s*(<[^<>\s]{1,900}>)", re.IGNORECASE | re.MULTILINE
)
_DELIVERED_TO = ("delivered-to", "x-original-to", "envelope-to", "to")


@dataclass(frozen=True)
class Returned:
    """``envelope``: addresses the report was delivered to; ``message_ids``: the returned original's."""

    envelope: tuple[str, ...] = ()
    message_ids: tuple[str, ...] = ()


def returned_ids(raw: bytes) -> Returned:
    """The report's own delivery addresses and the returned mail's Message-IDs (reads 512 KB at most)."""
    head = raw[:_LIMIT]
    try:
        msg = message_from_bytes(head)
    except Exception:  # noqa: BLE001 - hostile input; the regex below still reads what it can
        return Returned(message_ids=tuple(_ids_in(head, own="")))
    envelope = tuple(
        dict.fromkeys(
            address.lower()
            for name in _DELIVERED_TO
            for _, address in getaddresses([str(value) for value in msg.get_all(name, [])])
            if "@" in address
        )
    )
    own = str(msg.get("message-id", "")).strip()
    ids = [*_attached_ids(msg), *_ids_in(head, own=own)]
    return Returned(envelope=envelope, message_ids=tuple(dict.fromkeys(ids))[:10])


def _attached_ids(msg: Message) -> list[str]:
    """Message-IDs of attached originals (message/rfc822) and returned headers (text/rfc822-headers)."""
    found: list[str] = []
    for part in report_parts(msg):
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, Message) and inner.get("message-id"):
                found.append(str(inner["message-id"]).strip())
        elif ctype == "text/rfc822-headers":
            data = part.get_payload(decode=True)
            if isinstance(data, bytes):
                found.extend(_ids_in(data, own=""))
    return found


def _ids_in(data: bytes, *, own: str) -> list[str]:
    """Message-ID header lines anywhere in the text (a quoted original in a plain-text bounce),
    except the report's own."""
    ids = [m.group(1).decode("ascii", "replace") for m in _MESSAGE_ID.finditer(data)]
    return [value for value in ids if value != own]
