"""Rendering an outbound message: the house policy writes the bytes the standard library's compat32 writes."""

from __future__ import annotations

import email.policy
import random
import re
import string

import pytest

from delivery import message
from delivery.message import POLICY, render_mime
from delivery.models import OutboundMessage
from delivery.unsubscribe import headers
from tests.delivery.helpers import queue

pytestmark = pytest.mark.django_db

STANDARD = email.policy.compat32.clone(linesep="\r\n")


def test_headers_are_written_as_compat32_writes_them() -> None:
    names = ["Subject", "To", "List-Unsubscribe", "Message-ID", "X-Long-Header-Name"]
    alphabet = string.ascii_letters + string.digits + ' \t<>@.,;:"=?()[]-_/' + "  åäö"
    rng = random.Random(14)
    for _ in range(20_000):
        name = rng.choice(names)
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 120)))
        assert POLICY.fold_binary(name, value) == STANDARD.fold_binary(name, value), (name, value)


def test_a_notice_renders_to_the_same_bytes_as_with_compat32(monkeypatch: pytest.MonkeyPatch) -> None:
    to = "kund41@bolag.example"
    outbound = queue(
        to=to,
        key="notice:1",
        stream=OutboundMessage.Stream.BULK,
        headers=headers(to, "service_notices"),
    )
    outbound.subject = "Din order 5000041 är försenad – nytt leveransdatum för sändningen GEN5000041 " * 2
    mime = render_mime(outbound, to=[to], cc=[], now=outbound.created_at)
    monkeypatch.setattr(message, "POLICY", STANDARD)
    standard = render_mime(outbound, to=[to], cc=[], now=outbound.created_at)
    assert _boundaries(mime) == _boundaries(standard)


def _boundaries(mime: bytes) -> bytes:
    """The MIME with its random part boundaries made the same."""
    return re.sub(rb"={15}\d+==", b"=BOUNDARY=", mime)
