"""The ways out, chosen by settings: which transport a message takes, and which one catches it when an
ESP cannot be reached.

``default`` is Django's own mail settings (``EMAIL_BACKEND`` and ``EMAIL_*``): the SMTP backend becomes
our SMTP transport, an anymail backend an ESP transport, anything else (console, locmem) a plain Django
backend. More transports are named by ``DELIVERY_TRANSPORT_<NAME>`` URLs:

- ``smtp://user:pass@relay.example.com:587?starttls=1`` or ``smtps://...:465`` (implicit TLS);
  options ``timeout``, ``ca_file``, ``insecure=1`` (plaintext to another machine);
- ``anymail://postmark?server_token=...`` (any anymail ESP by its module name; query values are the
  backend's settings, e.g. a sub-account's key; the rest come from ``ANYMAIL_*``);
- ``django://django.core.mail.backends.console.EmailBackend``.

``DELIVERY_ROUTES`` (``transactional=relay,bulk=esp,bulk@news.example.com=esp2``) sends a stream, or a
stream from one sending domain, through a named transport (most specific first, else ``default``);
``DELIVERY_FALLBACK`` names the transport that takes over when an ESP is unreachable or answers 5xx.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings

from delivery.transports.backend import BackendTransport
from delivery.transports.base import Prepared, SendResult, Transport, TransportError
from delivery.transports.esp import EspTransport
from delivery.transports.smtp import SmtpConfig, SmtpTransport, check_smtp_config, parse_smtp_url
from helpdesk.transport_security import SECURITY_PLAIN, SECURITY_STARTTLS, SECURITY_TLS

__all__ = [
    "Prepared",
    "Routes",
    "SendResult",
    "Transport",
    "TransportError",
    "build_transport",
    "routes",
]

DJANGO_SMTP = "django.core.mail.backends.smtp.EmailBackend"


def build_transport(name: str) -> Transport:
    """The transport called ``name`` (``ValueError`` naming the setting when it is unknown or wrong)."""
    if name == "default":
        return _default_transport()
    url = settings.DELIVERY_TRANSPORTS.get(name)
    if url is None:
        raise ValueError(f"no transport {name!r}: set DELIVERY_TRANSPORT_{name.upper()}")
    try:
        return transport_from_url(name, url)
    except ValueError as exc:
        raise ValueError(f"DELIVERY_TRANSPORT_{name.upper()}: {exc}") from None


def transport_from_url(name: str, url: str) -> Transport:
    scheme = url.partition("://")[0]
    if scheme in {"smtp", "smtps"}:
        return SmtpTransport(name, parse_smtp_url(url))
    parts = urlsplit(url)
    if scheme == "anymail":
        if not parts.hostname:
            raise ValueError("anymail:// names no ESP, e.g. anymail://postmark")
        options = {key: unquote(values[-1]) for key, values in parse_qs(parts.query).items()}
        return EspTransport(name, f"anymail.backends.{parts.hostname}.EmailBackend", options)
    if scheme == "django":
        backend = url.partition("://")[2]
        if not backend:
            raise ValueError("django:// names no backend")
        return BackendTransport(name, backend)
    raise ValueError(
        f"a transport URL starts with smtp://, smtps://, anymail:// or django://, not {scheme}://"
    )


def _default_transport() -> Transport:
    backend = settings.EMAIL_BACKEND
    if backend == DJANGO_SMTP:
        config = SmtpConfig(
            host=settings.EMAIL_HOST,
            port=settings.EMAIL_PORT,
            security=SECURITY_TLS
            if settings.EMAIL_USE_SSL
            else SECURITY_STARTTLS
            if settings.EMAIL_USE_TLS
            else SECURITY_PLAIN,
            username=settings.EMAIL_HOST_USER,
            password=settings.EMAIL_HOST_PASSWORD,
            timeout=float(settings.EMAIL_TIMEOUT or 30),
            ca_file=settings.DELIVERY_SMTP_CA_FILE,
            allow_insecure=settings.DELIVERY_SMTP_INSECURE,
        )
        check_smtp_config(config)
        return SmtpTransport("default", config)
    if backend.startswith("anymail.backends."):
        return EspTransport("default", backend)
    return BackendTransport("default", backend)


@dataclass(frozen=True)
class Routes:
    """Which transport a stream (and sending domain) takes, and the fallback for an unreachable ESP."""

    table: dict[str, str]
    fallback: str

    def transport_for(self, *, stream: str, from_address: str) -> str:
        domain = from_address.rpartition("@")[2].lower()
        return self.table.get(f"{stream}@{domain}") or self.table.get(stream) or "default"


def routes() -> Routes:
    return parse_routes(settings.DELIVERY_ROUTES, settings.DELIVERY_FALLBACK)


def parse_routes(text: str, fallback: str) -> Routes:
    table: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, name = item.partition("=")
        key, name = key.strip().lower(), name.strip()
        stream = key.partition("@")[0]
        if not sep or not name or stream not in {"transactional", "bulk"}:
            raise ValueError(
                f"DELIVERY_ROUTES: {item!r} is not stream=transport or stream@domain=transport "
                "(stream is transactional or bulk)"
            )
        table[key] = name
    return Routes(table=table, fallback=fallback.strip())
