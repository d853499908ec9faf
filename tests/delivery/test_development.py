"""`make run`'s outbound path: replies signed with a development key go to the local mail catcher, and
admins see them (headers, DKIM result, raw source) on a development-only page. Also dkim_keygen."""

from __future__ import annotations

import json
import os
import stat
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from delivery import dkim
from delivery.capture import CaptureHandler, captured
from delivery.models import DkimKey
from delivery.queue import send_pass
from tests.delivery.helpers import queue
from tests.services import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def catcher(settings: Any, tmp_path: Path) -> Any:
    settings.VAR_DIR = tmp_path
    controller = Controller(CaptureHandler(), hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", controller.port, False
    yield controller
    controller.stop()


def test_a_reply_is_caught_signed_and_shown_to_admins(
    catcher: Any, settings: Any, administrator: Any
) -> None:
    settings.DKIM_ENABLED = True
    call_command(
        "dkim_keygen", domain="nordlager.example", selector="dev", if_missing=True, stdout=StringIO()
    )
    dkim.forget_keys()
    outbound = queue()
    assert send_pass().counts["sent"] == 1
    (mail,) = captured()
    assert mail.recipients == "<kund@kund.example>"
    assert [(v.selector, v.valid) for v in mail.dkim()] == [("dev", True)]

    client = Client()
    client.force_login(administrator)
    settings.DEBUG = True
    listing = client.get(reverse("dev_mail"))
    assert listing.status_code == 200 and mail.name in listing.content.decode()
    detail = client.get(reverse("dev_mail_detail", args=[mail.name])).content.decode()
    assert "rsa-sha256" in detail and "valid" in detail and outbound.message_id.strip("<>") in detail
    settings.DEBUG = False
    assert client.get(reverse("dev_mail")).status_code == 404


def test_dkim_keygen_prints_the_record_and_keeps_keys_apart(tmp_path: Path) -> None:
    out = StringIO()
    call_command(
        "dkim_keygen", domain="Example.COM", selector="s2026", algorithm="ed25519", json=True, stdout=out
    )
    record = json.loads(out.getvalue())
    key = DkimKey.objects.get(domain="example.com", selector="s2026")
    assert record["name"] == "s2026._domainkey.example.com" and record["value"] == key.dns_record
    assert record["value"].startswith("v=DKIM1; k=ed25519; p=")
    assert dkim.public_key_of(key.private_key.encode()) == key.public_key
    with pytest.raises(CommandError, match="has a key already"):
        call_command("dkim_keygen", domain="example.com", selector="s2026", stdout=StringIO())
    key_file = tmp_path / "rsa.pem"
    call_command(
        "dkim_keygen", domain="example.com", selector="r1", key_file=str(key_file), stdout=StringIO()
    )
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    on_disk = DkimKey.objects.get(selector="r1")
    assert on_disk.private_key == "" and on_disk.key_file == str(key_file.resolve())
    assert dkim.signing_keys("example.com")[1].private_key == key_file.read_bytes()
