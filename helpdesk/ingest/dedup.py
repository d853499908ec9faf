"""What makes two stored mails one mail: the deduplication keys of ``InboundEmail.dedup_key``."""

from __future__ import annotations

import hashlib
from datetime import UTC

from helpdesk.mail.parsing import ParsedEmail


def dedup_key(message_id: str, sha256: str, fingerprint: str = "") -> str:
    """The key only one processed copy of a mail may hold: its Message-ID with what the sender
    wrote the same in every copy (``fingerprint``), or its raw SHA-256 without a Message-ID.

    The fingerprint keeps different mails that reuse one Message-ID (scanners, web forms, broken
    mailers give every mail the same one) from being dropped as copies of each other.
    """
    if message_id:
        return "mid:" + hashlib.sha256(f"{message_id}\n{fingerprint}".encode("utf-8", "replace")).hexdigest()
    return "raw:" + sha256


def message_id_key(message_id: str) -> str:
    """The key of rows stored before the fingerprint was part of it: the Message-ID alone."""
    return "mid:" + hashlib.sha256(message_id.encode("utf-8", "replace")).hexdigest()


def fingerprint(parsed: ParsedEmail) -> str:
    """Sender, subject and date: the same in every copy of one mail, whichever mailbox it reached."""
    date = parsed.date.astimezone(UTC).isoformat() if parsed.date else ""
    return "\n".join((parsed.from_address.strip().lower(), " ".join(parsed.subject.split()), date))
