"""An ESP's HTTP API through django-anymail (Postmark, Mailgun, SendGrid, Amazon SES, ...).

The ESP builds and signs the message itself from the parts we give it, except Amazon SES, which takes
raw MIME: that one gets our DKIM signature (``SignedAmazonSesBackend``). Errors map to the three kinds:
a connection that never reached the ESP, its 5xx and 429 are transient; other refusals permanent; a
timeout or a broken answer after the request went out is uncertain.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import requests
from anymail.exceptions import (
    AnymailAPIError,
    AnymailConfigurationError,
    AnymailError,
    AnymailRecipientsRefused,
    AnymailRequestsAPIError,
)
from anymail.message import AnymailMessage
from django.core.mail import get_connection

from delivery.transports.base import Prepared, SendResult, TransportError

# Headers the ESP gets from us as they are; the rest of the MIME header is the ESP's to write.
PASSED_HEADERS = (
    "Message-ID",
    "In-Reply-To",
    "References",
    "Auto-Submitted",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "X-Auto-Response-Suppress",
)
# Backends that send our raw MIME as it is (so the queue DKIM-signs it first).
RAW_MIME_BACKENDS = {"delivery.transports.ses.RawAmazonSesBackend"}


class EspTransport:
    sets_envelope_sender = False

    def __init__(self, name: str, backend: str, options: dict[str, Any] | None = None) -> None:
        self.name = name
        # Amazon SES gets our raw MIME (signed by us); anymail's own SES backend would rebuild it.
        self.backend = (
            "delivery.transports.ses.RawAmazonSesBackend"
            if backend.endswith("amazon_ses.EmailBackend")
            else backend
        )
        self.options = options or {}
        self.sends_raw = self.backend in RAW_MIME_BACKENDS
        self._connection: Any = None

    def open(self) -> None:
        if self._connection is not None:
            return
        try:
            connection = get_connection(self.backend, fail_silently=False, **self.options)
            connection.open()
        except AnymailConfigurationError as exc:
            raise TransportError(f"{self.name}: {exc}", kind="transient") from None
        except requests.RequestException as exc:
            raise TransportError(
                f"{self.name}: cannot reach the provider: {_short(exc)}", kind="transient"
            ) from None
        self._connection = connection

    def close(self) -> None:
        if self._connection is not None:
            # Closing a session that failed must not fail the pass.
            with contextlib.suppress(Exception):
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
        message = django_message(prepared)
        committing()
        try:
            self._connection.send_messages([message])
        except AnymailRecipientsRefused as exc:
            raise TransportError(
                f"{self.name}: every recipient was refused: {exc}", kind="permanent"
            ) from None
        except AnymailRequestsAPIError as exc:
            raise _http_error(self.name, exc) from None
        except AnymailConfigurationError as exc:
            raise TransportError(f"{self.name}: {exc}", kind="transient") from None
        except AnymailAPIError as exc:
            raise _api_error(self.name, exc) from None
        except AnymailError as exc:
            # Refused before anything was sent (an unsupported feature, an invalid address).
            raise TransportError(f"{self.name}: {exc}", kind="permanent") from None
        status = message.anymail_status
        refused = {
            address: (0, "", f"{recipient.status}")
            for address, recipient in (status.recipients or {}).items()
            if recipient.status in {"rejected", "invalid", "failed"}
        }
        return SendResult(
            text=f"accepted by {self.name}", refused=refused, esp_message_id=status.message_id or ""
        )


def django_message(prepared: Prepared) -> AnymailMessage:
    """The parts of our MIME message as a Django message for an ESP: text, HTML, attachments, the
    threading headers, and the envelope's recipients (Bcc included)."""
    mime = prepared.mime
    if mime["To"] is None:
        raise TransportError("the message has no To header", kind="permanent")
    text = mime.get_body(("plain",))
    html = mime.get_body(("html",))
    visible = {*_addresses(mime, "To"), *_addresses(mime, "Cc")}
    message = AnymailMessage(
        subject=str(mime["Subject"] or ""),
        body=text.get_content() if isinstance(text, EmailMessage) else "",
        from_email=str(mime["From"]),
        to=_addresses(mime, "To"),
        cc=_addresses(mime, "Cc"),
        bcc=[address for address in prepared.recipients if address not in visible],
        reply_to=_addresses(mime, "Reply-To"),
        headers={name: str(mime[name]) for name in PASSED_HEADERS if mime[name] is not None},
    )
    if isinstance(html, EmailMessage):
        message.attach_alternative(html.get_content(), "text/html")
    for part in mime.iter_attachments():
        content = part.get_content()
        message.attach(part.get_filename() or "attachment", content, part.get_content_type())
    message.prepared = prepared  # the raw bytes, for backends that send MIME as it is
    return message


def _addresses(mime: EmailMessage, header: str) -> list[str]:
    value = mime[header]
    return [str(address) for address in value.addresses] if value is not None else []


def _http_error(name: str, exc: AnymailRequestsAPIError) -> TransportError:
    status = exc.status_code
    if status is None:
        # No HTTP answer. A connection that never opened sent nothing; a timeout or a reset after the
        # request went out may have delivered it.
        if isinstance(exc, requests.ConnectTimeout) or _never_connected(exc):
            return TransportError(f"{name}: cannot reach the provider: {_short(exc)}", kind="transient")
        return TransportError(
            f"{name}: no answer from the provider ({_short(exc)}); it may have taken the message",
            kind="uncertain",
        )
    text = f"{name}: HTTP {status}: {(exc.response.text if exc.response is not None else '')[:500]}"
    if status == 429 or status >= 500 or status in (401, 403):
        # Throttled, the provider's trouble, or our credentials: trying again later can succeed.
        return TransportError(text, kind="transient", code=status)
    return TransportError(text, kind="permanent", code=status)


def _api_error(name: str, exc: AnymailAPIError) -> TransportError:
    """An error of a non-HTTP client (boto3 for SES), or an answer anymail could not read."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "ResponseMetadata" in response:
        status = int(response["ResponseMetadata"].get("HTTPStatusCode") or 0)
        error = str((response.get("Error") or {}).get("Code", ""))
        text = f"{name}: {status} {error}: {str(exc)[:300]}"
        if status == 429 or status >= 500 or "Throttl" in error or "TooManyRequests" in error:
            return TransportError(text, kind="transient", code=status)
        return TransportError(text, kind="permanent", code=status)
    if _never_connected(exc) or type(exc.__cause__).__name__ == "EndpointConnectionError":
        return TransportError(f"{name}: cannot reach the provider: {_short(exc)}", kind="transient")
    # The provider answered in a way we cannot read, or stopped answering: it may have the message.
    return TransportError(
        f"{name}: no readable answer ({_short(exc)}); it may have taken the message", kind="uncertain"
    )


def _never_connected(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if type(seen).__name__ in {"NewConnectionError", "NameResolutionError", "ConnectTimeoutError"}:
            return True
        if isinstance(seen, ConnectionRefusedError):
            return True
        reason = getattr(seen, "reason", None)
        if isinstance(reason, BaseException) and reason is not seen and _never_connected(reason):
            return True
        nested = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        seen = seen.__cause__ or seen.__context__ or nested
    return False


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]
