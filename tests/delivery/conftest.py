"""Fixtures for sending: a relay that requires STARTTLS and AUTH (throw-away CA), DKIM keys, replies."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message as MimeMessage
from pathlib import Path
from typing import Any

import pytest

from delivery import dkim
from delivery.models import DkimKey, OutboundMessage
from delivery.services import queue_reply
from tests.factories import MessageFactory
from tests.services import SmtpSink

RELAY_USER, RELAY_PASSWORD = "helpdesk", "relay-secret-1"


@pytest.fixture(scope="session")
def secure_relay() -> Iterator[tuple[SmtpSink, str]]:
    """An SMTP relay that requires STARTTLS and AUTH; (sink, CA file)."""
    with tempfile.TemporaryDirectory() as directory:
        relay, ca_file = SmtpSink.start_secure(Path(directory), user=RELAY_USER, password=RELAY_PASSWORD)
        yield relay, ca_file
        relay.stop()


@pytest.fixture
def relay(secure_relay: tuple[SmtpSink, str], settings: Any) -> SmtpSink:
    """The secure relay, emptied, as the default transport (verified STARTTLS, AUTH)."""
    sink, ca_file = secure_relay
    sink.handler.reset()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = sink.host, sink.port
    settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL = True, False
    settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = RELAY_USER, RELAY_PASSWORD
    settings.EMAIL_TIMEOUT = 10
    settings.DELIVERY_SMTP_CA_FILE = ca_file
    return sink


@pytest.fixture
def dkim_keys(db: None, settings: Any) -> Iterator[dict[str, str]]:
    """An RSA-2048 and an Ed25519 key for the sending domain; the DNS records that publish them."""
    settings.DKIM_ENABLED = True
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2]
    for selector, algorithm in (("rsa1", "rsa"), ("ed1", "ed25519")):
        private, public = dkim.generate(algorithm)
        DkimKey.objects.create(
            domain=domain,
            selector=selector,
            algorithm=algorithm,
            private_key=private.decode(),
            public_key=public,
        )
    dkim.forget_keys()
    yield dkim.published_records()
    dkim.forget_keys()


def queue(
    *, to: str = "kund@kund.example", key: str = "reply:1", hold_seconds: int = 0, **options: Any
) -> OutboundMessage:
    """A customer's question on a ticket and our queued reply to it."""
    question = MessageFactory.create(from_address=to, subject="Var är min order 100231?")
    return queue_reply(
        ticket=question.ticket,
        in_reply_to=question,
        to=[to],
        subject="Re: Var är min order 100231?",
        body="Hej!\n\nOrder 100231 skickades i går och kommer i morgon.\n\nMed vänliga hälsningar\nNordlager",
        idempotency_key=key,
        hold_seconds=hold_seconds,
        **options,
    )


def parsed(data: bytes) -> MimeMessage:
    return message_from_bytes(data)
