"""SMTP to the company's own MTA or a relay, through Django's SMTP backend.

Django's backend opens the connection (implicit TLS or STARTTLS with the certificate and host name
verified, SMTP AUTH, timeouts); this module then speaks the mail transaction itself on that connection,
because it needs what ``send_messages`` hides: raw, DKIM-signed bytes, our own envelope sender (VERP),
every recipient's answer, and the moment just before the final ``.`` of DATA, the point after which the
server may have taken the mail (``committing``).
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import socket
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.mail.backends.smtp import EmailBackend
from django.utils.functional import cached_property

from delivery.transports.base import Prepared, SendResult, TransportError
from helpdesk.transport_security import SECURITY_PLAIN, SECURITY_STARTTLS, SECURITY_TLS, check_transport

ENHANCED = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_LEADING_DOT = re.compile(rb"(?m)^\.")


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str = SECURITY_STARTTLS
    username: str = ""
    password: str = ""
    timeout: float = 30.0
    ca_file: str = ""
    allow_insecure: bool = False

    def __repr__(self) -> str:  # never show the password
        user = f"{self.username}@" if self.username else ""
        return f"SmtpConfig({self.security}://{user}{self.host}:{self.port})"


def parse_smtp_url(url: str) -> SmtpConfig:
    """``smtp://[user:pass@]host[:port][?starttls=1]`` or ``smtps://...`` (implicit TLS); options
    ``timeout`` (seconds), ``ca_file`` (a CA to trust besides the system's) and ``insecure=1``
    (plaintext to another machine). ``ValueError`` says what is wrong."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"smtp", "smtps"}:
        raise ValueError(f"an SMTP transport URL starts with smtp:// or smtps://, not {parts.scheme}://")
    if not parts.hostname:
        raise ValueError("the SMTP URL names no host")
    query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
    unknown = set(query) - {"starttls", "timeout", "ca_file", "insecure"}
    if unknown:
        raise ValueError(f"unknown SMTP URL option(s): {', '.join(sorted(unknown))}")
    starttls = query.get("starttls", "") in {"1", "true", "yes", "on"}
    if parts.scheme == "smtps" and starttls:
        raise ValueError("smtps:// is already TLS; ?starttls=1 belongs to smtp://")
    security = SECURITY_TLS if parts.scheme == "smtps" else SECURITY_STARTTLS if starttls else SECURITY_PLAIN
    try:
        timeout = float(query.get("timeout", "30"))
    except ValueError:
        raise ValueError("timeout must be a number of seconds") from None
    if not 0 < timeout <= 600:
        raise ValueError("timeout must be between 0 and 600 seconds")
    config = SmtpConfig(
        host=parts.hostname,
        port=parts.port or (465 if security == SECURITY_TLS else 587 if starttls else 25),
        security=security,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        timeout=timeout,
        ca_file=query.get("ca_file", ""),
        allow_insecure=query.get("insecure", "") in {"1", "true", "yes", "on"},
    )
    check_smtp_config(config)
    return config


def check_smtp_config(config: SmtpConfig) -> None:
    """Plaintext (and a password over it) only to this machine, unless ``insecure`` says otherwise."""
    check_transport(
        host=config.host, security=config.security, allow_insecure=config.allow_insecure, protocol="SMTP"
    )


class _VerifyingBackend(EmailBackend):
    """Django's backend with a CA file of our choice; verification stays on (Django's own context for a
    client certificate would not load the system's CAs)."""

    def __init__(self, *, ca_file: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ca_file = ca_file

    @cached_property
    def ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.ca_file or None)
        if self.ssl_certfile:
            context.load_cert_chain(self.ssl_certfile, self.ssl_keyfile)
        return context


class SmtpTransport:
    sends_raw = True
    sets_envelope_sender = True

    def __init__(self, name: str, config: SmtpConfig) -> None:
        self.name = name
        self.config = config
        self._backend: _VerifyingBackend | None = None

    # Connection -------------------------------------------------------------------------------------
    def open(self) -> None:
        if self._backend is not None and self._backend.connection is not None:
            return
        config = self.config
        backend = _VerifyingBackend(
            host=config.host,
            port=config.port,
            username=config.username,
            password=config.password,
            use_tls=config.security == SECURITY_STARTTLS,
            use_ssl=config.security == SECURITY_TLS,
            timeout=config.timeout,
            ca_file=config.ca_file,
            fail_silently=False,
        )
        try:
            backend.open()
        except smtplib.SMTPAuthenticationError as exc:
            raise TransportError(
                f"{self.name}: the server refused our login: {_reply_text(exc.smtp_code, exc.smtp_error)}",
                kind="transient",
                code=exc.smtp_code,
            ) from None
        except smtplib.SMTPNotSupportedError as exc:
            missing = "STARTTLS, so the mail was not sent in clear" if "STARTTLS" in str(exc) else "AUTH"
            raise TransportError(f"{self.name}: the server offers no {missing}", kind="transient") from None
        except ssl.SSLCertVerificationError as exc:
            raise TransportError(
                f"{self.name}: the certificate is not trusted for {config.host}: {exc.verify_message}",
                kind="transient",
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise TransportError(
                f"{self.name}: cannot connect to {config.host}:{config.port}: {_short(exc)}", kind="transient"
            ) from None
        # Our DATA goes out as two writes (the message, then the final dot after the attempt is on
        # record): without TCP_NODELAY, Nagle's algorithm holds the dot until the server's delayed ACK,
        # 40 ms a message.
        assert backend.connection is not None and backend.connection.sock is not None
        backend.connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._backend = backend

    def close(self) -> None:
        if self._backend is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._backend.close()
            self._backend = None

    def _abandon(self, connection: smtplib.SMTP) -> None:
        """Drop the connection in the middle of DATA, without the final dot and without QUIT (which
        the server would read as more of the mail): the server discards the unfinished mail, and the
        next message cannot be written into it."""
        with contextlib.suppress(OSError):
            connection.close()
        self._backend = None

    def _connection(self) -> smtplib.SMTP:
        self.open()
        assert self._backend is not None and self._backend.connection is not None
        connection: smtplib.SMTP = self._backend.connection
        return connection

    # The mail transaction ----------------------------------------------------------------------------
    def send(
        self,
        prepared: Prepared,
        *,
        committing: Callable[[], None],
        started: Callable[[], None] | None = None,
        handed: Callable[[], None] | None = None,
    ) -> SendResult:
        connection = self._connection()

        def meanwhile() -> None:
            """The caller's ``started`` while the server reads MAIL FROM; if it fails, the command's
            answer is never read, so the connection cannot carry another mail."""
            if started is None:
                return
            try:
                started()
            except BaseException:
                self._abandon(connection)
                raise

        try:
            refused = self._envelope(connection, prepared, meanwhile)
            code, reply = connection.docmd("DATA")
            if code != 354:
                _reset(connection)
                raise _refusal(code, reply, "DATA")
            body = _LEADING_DOT.sub(b"..", prepared.raw)
            if not body.endswith(b"\r\n"):
                body += b"\r\n"
            connection.send(body)
        except TransportError:
            raise
        except (OSError, smtplib.SMTPException) as exc:
            # Before the final dot nothing was delivered: a clean failure, safe to try again.
            self.close()
            raise TransportError(
                f"{self.name}: connection lost before the mail was handed over: {_short(exc)}",
                kind="transient",
            ) from None
        try:
            committing()
        except BaseException:
            self._abandon(connection)
            raise
        try:
            connection.send(b".\r\n")
            if handed is not None:
                handed()  # while the server reads the mail
            code, reply = connection.getreply()
        except (TimeoutError, OSError, smtplib.SMTPException) as exc:
            self.close()
            raise TransportError(
                f"{self.name}: no answer after handing the mail over ({_short(exc)}); it may have been taken",
                kind="uncertain",
            ) from None
        if code == 250:
            enhanced = _enhanced(reply)
            return SendResult(code=code, enhanced=enhanced, text=_decode(reply), refused=refused)
        raise _refusal(code, reply, "end of data")

    def _envelope(
        self, connection: smtplib.SMTP, prepared: Prepared, meanwhile: Callable[[], None]
    ) -> dict[str, tuple[int, str, str]]:
        connection.ehlo_or_helo_if_needed()
        options = ["SMTPUTF8"] if not _ascii(prepared.mail_from, *prepared.recipients) else []
        if options and not connection.has_extn("smtputf8"):
            raise TransportError(
                f"{self.name}: an address is not ASCII and the server does not offer SMTPUTF8",
                kind="permanent",
                code=553,
                enhanced="5.6.7",
            )
        code, reply = _command(connection, "mail", f"FROM:<{prepared.mail_from}>", options, meanwhile)
        if code != 250:
            _reset(connection)
            raise _refusal(code, reply, "MAIL FROM")
        refused: dict[str, tuple[int, str, str]] = {}
        for recipient in prepared.recipients:
            code, reply = _command(connection, "rcpt", f"TO:<{recipient}>")
            if code not in (250, 251):
                refused[recipient] = (code, _enhanced(reply), _decode(reply))
        if len(refused) == len(prepared.recipients):
            _reset(connection)
            # The message's fate is its first recipient's (To comes first); every answer is kept.
            code, enhanced, text = refused[prepared.recipients[0]]
            raise TransportError(
                text,
                kind="transient" if code < 500 else "permanent",
                code=code,
                enhanced=enhanced,
                refused=refused,
            )
        return refused


def _command(
    connection: smtplib.SMTP,
    verb: str,
    argument: str,
    options: Sequence[str] = (),
    meanwhile: Callable[[], None] | None = None,
) -> tuple[int, bytes]:
    """MAIL or RCPT with an address the gate has checked: smtplib's own parses every address again
    with the email package's address parser, which cost more than the rest of the envelope. smtplib
    still refuses a line break in a command. ``meanwhile`` runs while the server reads the command."""
    connection.putcmd(verb, " ".join([argument, *options]))
    if meanwhile is not None:
        meanwhile()
    return connection.getreply()


def _refusal(code: int, reply: bytes, step: str) -> TransportError:
    text = _decode(reply)
    if code == -1:
        return TransportError(f"connection closed at {step}", kind="transient")
    return TransportError(
        f"{code} {text}",
        kind="transient" if code < 500 else "permanent",
        code=code,
        enhanced=_enhanced(reply),
    )


def _reset(connection: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError, smtplib.SMTPException):
        connection.rset()


def _enhanced(reply: bytes | str) -> str:
    match = ENHANCED.search(_decode(reply))
    return ".".join(match.groups()) if match else ""


def _decode(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return " ".join(text.split())[:1000]


def _reply_text(code: int, reply: bytes | str) -> str:
    return f"{code} {_decode(reply)}"


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def _ascii(*addresses: str) -> bool:
    return all(address.isascii() for address in addresses)
