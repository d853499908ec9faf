"""Any other Django mail backend (console, file, locmem): for development and tests, never for customers.

The message goes through Django's own ``send_messages`` as the MIME we built, so what the console
prints or the test outbox holds is what a relay would have received.
"""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage as MimeMessage
from typing import Any

from django.core.mail import EmailMessage, get_connection

from delivery.transports.base import Prepared, SendResult, TransportError


class _Prebuilt(EmailMessage):
    """A Django message whose MIME is the one we built and signed."""

    def __init__(self, prepared: Prepared) -> None:
        super().__init__(
            subject=str(prepared.mime["Subject"] or ""),
            from_email=prepared.mail_from,
            to=list(prepared.recipients),
        )
        self.prepared = prepared

    def message(self, *, policy: Any = None) -> MimeMessage:
        return self.prepared.mime

    def recipients(self) -> list[str]:
        return list(self.prepared.recipients)


class BackendTransport:
    sends_raw = True
    sets_envelope_sender = False

    def __init__(self, name: str, backend: str) -> None:
        self.name = name
        self.backend = backend
        self._connection: Any = None

    def open(self) -> None:
        if self._connection is None:
            self._connection = get_connection(self.backend, fail_silently=False)
            self._connection.open()

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def send(
        self,
        prepared: Prepared,
        *,
        committing: Callable[[], None],
        started: Callable[[], None] | None = None,
        handed: Callable[[], None] | None = None,
    ) -> SendResult:
        self.open()
        committing()
        try:
            sent = self._connection.send_messages([_Prebuilt(prepared)])
        except OSError as exc:
            raise TransportError(f"{self.name}: {exc}", kind="uncertain") from None
        if not sent:
            raise TransportError(f"{self.name}: the backend sent nothing", kind="transient")
        return SendResult(text=f"handed to {self.backend}")
