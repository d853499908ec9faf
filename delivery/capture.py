"""The development mail catcher: what `make run` sends goes to a local SMTP server that keeps each mail
as an .eml file, and a page lists them with their headers, DKIM result and raw source.

Nothing here runs in production: the server needs aiosmtpd (a development dependency), and the page
exists only with DEBUG on.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from django.conf import settings

from delivery import dkim

_counter = itertools.count()


def capture_dir() -> Path:
    return Path(settings.VAR_DIR) / "captured_mail"


def store(data: bytes, *, mail_from: str, rcpt_tos: list[str]) -> Path:
    """Keep one received mail, with its envelope as the first lines (like Postfix's X-Original-To)."""
    directory = capture_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{time.time_ns()}-{next(_counter)}.eml"
    envelope = f"X-Envelope-From: <{mail_from}>\r\n" + "".join(f"X-Envelope-To: <{r}>\r\n" for r in rcpt_tos)
    path.write_bytes(envelope.encode() + data)
    return path


@dataclass(frozen=True)
class Captured:
    name: str
    received: float
    subject: str
    sender: str
    recipients: str
    raw: bytes

    def dkim(self) -> list[dkim.Verdict]:
        """Each signature checked against the keys we publish (the DNS records dkim_keygen printed)."""
        return dkim.verify_all(_without_envelope(self.raw), dkim.published_records())

    @property
    def headers(self) -> list[tuple[str, str]]:
        message = message_from_bytes(_without_envelope(self.raw), policy=policy.default)
        return [(name, str(value)) for name, value in message.items()]


def captured(limit: int = 100) -> list[Captured]:
    """The newest captured mails first."""
    files = sorted(capture_dir().glob("*.eml"), reverse=True)[:limit]
    return [_read(path) for path in files]


def captured_one(name: str) -> Captured | None:
    path = capture_dir() / name
    if path.suffix != ".eml" or path.name != name or not path.is_file():
        return None
    return _read(path)


def _read(path: Path) -> Captured:
    raw = path.read_bytes()
    message = message_from_bytes(raw, policy=policy.default)
    return Captured(
        name=path.name,
        received=path.stat().st_mtime,
        subject=str(message["Subject"] or ""),
        sender=str(message["From"] or ""),
        recipients=", ".join(str(value) for value in message.get_all("X-Envelope-To", [])),
        raw=raw,
    )


def _without_envelope(raw: bytes) -> bytes:
    lines = raw.split(b"\r\n")
    index = next((i for i, line in enumerate(lines) if not line.startswith(b"X-Envelope-")), 0)
    return b"\r\n".join(lines[index:])


class CaptureHandler:
    """aiosmtpd handler: accept everything, keep it."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        content = envelope.original_content or envelope.content or b""
        store(content, mail_from=envelope.mail_from or "", rcpt_tos=list(envelope.rcpt_tos))
        return "250 2.0.0 captured"
