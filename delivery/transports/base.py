"""What every transport is: hand one prepared mail to a relay or an ESP and say what happened.

Errors come in three kinds (``TransportError.kind``): ``transient`` (try again later: 4xx, a refused
connection, an ESP's 5xx or 429), ``permanent`` (5xx: the server will never take it) and ``uncertain``
(the connection broke after the point of no return: the server may have taken it). ``committing`` is the
caller's hook, run right before that point, so the attempt is on record before the mail can have left.
Two more hooks let the caller work while the server does: a transport may run ``started`` once it
waits for the server's first answer (SMTP's reply to MAIL FROM; one that does not leaves that work to
``committing``) and ``handed`` once the mail is handed over and it waits for the server's answer to it.
``handed`` may not raise; when ``started`` raises, the transport drops the connection (the command's
answer is never read) and lets the error through.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Literal, Protocol

Kind = Literal["transient", "permanent", "uncertain"]


@dataclass
class Prepared:
    """One message ready to go: its bytes (DKIM-signed where raw MIME leaves our code) and the envelope
    (sender, which may be a VERP address, and every recipient). ``mime`` parses the bytes, for the
    transports that hand parts to someone else (an ESP, a Django backend)."""

    outbound_id: int
    raw: bytes
    mail_from: str
    recipients: tuple[str, ...]
    _mime: EmailMessage | None = field(default=None, repr=False)

    @property
    def mime(self) -> EmailMessage:
        if self._mime is None:
            parsed: EmailMessage = message_from_bytes(self.raw, policy=policy.default)
            self._mime = parsed
        return self._mime


@dataclass(frozen=True)
class SendResult:
    """The server took the message. ``refused`` holds recipients it turned down while taking it for
    the others: address -> (code, enhanced status, text)."""

    code: int | None = None
    enhanced: str = ""
    text: str = ""
    refused: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    esp_message_id: str = ""


class TransportError(Exception):
    """The message was not (or not surely) handed over; ``kind`` says whether to try again."""

    def __init__(
        self,
        text: str,
        *,
        kind: Kind,
        code: int | None = None,
        enhanced: str = "",
        refused: dict[str, tuple[int, str, str]] | None = None,
    ) -> None:
        super().__init__(text)
        self.text = text
        self.kind: Kind = kind
        self.code = code
        self.enhanced = enhanced
        self.refused = refused or {}


class Transport(Protocol):
    """A way out. ``open`` and ``close`` bracket a batch, so one connection serves many messages."""

    name: str
    # Whether the raw MIME leaves our code as it is (then we DKIM-sign it), or an ESP builds its own.
    sends_raw: bool
    # Whether the envelope sender (a VERP bounce address) is ours to choose.
    sets_envelope_sender: bool

    def open(self) -> None: ...

    def close(self) -> None: ...

    def send(
        self,
        prepared: Prepared,
        *,
        committing: Callable[[], None],
        started: Callable[[], None] | None = None,
        handed: Callable[[], None] | None = None,
    ) -> SendResult: ...
