"""Complaints: ARF feedback reports (RFC 5965), the complained-about recipient and the feedback type. Pure."""

from __future__ import annotations

import re
from email.message import Message

from helpdesk.mail.bounces import Failure, address_of, field_blocks, part_text, report_parts


def arf_complaints(msg: Message, defects: list[str]) -> list[Failure]:
    """The complained-about recipients of an ARF report (RFC 5965), with the feedback type."""
    feedback_type = ""
    addresses: list[str] = []
    for part in report_parts(msg):
        if part.get_content_type() != "message/feedback-report":
            continue
        for block in field_blocks(part_text(part, defects)):
            feedback_type = feedback_type or block.get("feedback-type", "").strip().lower()
            for name in ("original-rcpt-to", "removal-recipient"):
                if block.get(name):
                    addresses.extend(a for a in (address_of(v) for v in block[name].split(",")) if a)
    if not addresses:
        addresses = _original_recipients(msg)
    return [
        Failure(address=a, action="failed", reason="feedback", feedback_type=feedback_type or "abuse")
        for a in dict.fromkeys(addresses)
    ] or [Failure(address="", action="failed", reason="feedback", feedback_type=feedback_type or "abuse")]


def _original_recipients(msg: Message) -> list[str]:
    """The To: of the reported message (attached as message/rfc822 or text/rfc822-headers)."""
    from email.utils import getaddresses

    for part in report_parts(msg):
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, Message):
                return [a.lower() for _, a in getaddresses(inner.get_all("to", [])) if "@" in a]
        if ctype == "text/rfc822-headers":
            text = str(part.get_payload())
            to = re.search(r"^To:\s*(.+(?:\n[ \t].+)*)", text, re.MULTILINE | re.IGNORECASE)
            if to:
                return [a.lower() for _, a in getaddresses([to.group(1)]) if "@" in a]
    return []
