"""GDPR export (issue 14): everything about a contact as one JSON document and as a zip with the raw
mail and attachments, from the API, the admin and manage.py; who may, and that it is audited."""

from __future__ import annotations

import io
import json
import os
import zipfile
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from helpdesk.ingest.services import process_stored, store_raw_email
from helpdesk.models import AuditEvent, Contact
from helpdesk.web.api.tokens import create_api_token
from privacy import services
from tests.helpdesk.ingest_support import make_mail
from tests.privacy import scenario
from tests.services import SmtpSink

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(relay: SmtpSink, supervisor: Any, settings: Any, tmp_path: Path) -> scenario.People:
    settings.MEDIA_ROOT = tmp_path
    return scenario.build(approver=supervisor)


def _client(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {create_api_token(user=user).key}")
    return client


def _body(response: Any) -> bytes:
    assert response.streaming, "the export is streamed, never built in memory"
    return b"".join(response.streaming_content)


def test_the_json_export_holds_every_section_of_the_persons_history(
    people: scenario.People, supervisor: Any
) -> None:
    response = _client(supervisor).get(f"/api/contacts/{people.contact.pk}/export/")

    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    document = json.loads(_body(response))
    sections = document["sections"]
    assert document["contact_id"] == people.contact.pk
    assert (
        sections["contact"][0]["email"] == scenario.ADDRESS
        and sections["contact"][0]["name"] == scenario.NAME
    )
    assert {row["role"] for row in sections["tickets"]} == {"contact", "participant"}
    inbound = [m for m in sections["messages"] if m["direction"] == "inbound"]
    assert len(inbound) == 1 and scenario.BODY_WORDS[0] in inbound[0]["body_text"]
    assert inbound[0]["attachments"][0]["filename"] == "kvitto.pdf"
    # Our reply to her, and the copy of the reply to Bertil she was sent; never Bertil's own mail.
    assert {m["direction"] for m in sections["messages"]} == {"inbound", "outbound"}
    assert all(scenario.OTHER_ADDRESS not in m["from_address"] for m in sections["messages"])
    assert sections["drafts"][0]["body"] and sections["drafts"][0]["versions"]
    assert {row["status"] for row in sections["outbound_mail"]} >= {"bounced"}
    assert any(row["attempts"] for row in sections["outbound_mail"])
    assert [e["kind"] for e in sections["delivery_events"]] == ["bounced"]
    assert [s["reason"] for s in sections["suppressions"]] == ["hard_bounce"]
    assert [(c["purpose"], c["granted"]) for c in sections["consent"]] == [("service_notices", True)]
    assert [r["name"] for r in sections["notice_recipients"]] == [scenario.NAME]
    assert len(sections["inbound_mail"]) == 1
    assert {"contact.exported", "draft.approved"} <= {e["action"] for e in sections["audit_events"]}
    assert AuditEvent.objects.filter(action="contact.exported", actor=supervisor).get().data == {
        "format": "json"
    }


def test_the_zip_holds_the_document_the_raw_mail_and_the_attachments(
    people: scenario.People, supervisor: Any
) -> None:
    response = _client(supervisor).get(f"/api/contacts/{people.contact.pk}/export.zip")

    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(_body(response)))
    assert archive.testzip() is None
    names = archive.namelist()
    assert json.loads(archive.read("export.json"))["contact_id"] == people.contact.pk
    [inbound] = [name for name in names if name.startswith("mail/inbound-")]
    mail = message_from_bytes(archive.read(inbound), policy=policy.default)
    body = mail.get_body()
    assert body is not None and scenario.BODY_WORDS[0] in body.get_content()
    assert scenario.ADDRESS in mail["From"]
    outbound = [name for name in names if name.startswith("mail/outbound-")]
    assert len(outbound) == 2 and all(b"Message-ID: " in archive.read(name) for name in outbound)
    [attachment] = [name for name in names if name.startswith("attachments/")]
    assert attachment.endswith("kvitto.pdf") and archive.read(attachment) == scenario.ATTACHMENT


def test_only_supervisors_export_and_only_contacts_they_may_see(
    people: scenario.People, agent: Any, outsider: Any, administrator: Any
) -> None:
    url = f"/api/contacts/{people.contact.pk}/export/"
    assert _client(agent).get(url).status_code == 403
    assert _client(outsider).get(url).status_code == 403
    assert _client(administrator).get("/api/contacts/999999/export/").status_code == 404
    assert not AuditEvent.objects.filter(action="contact.exported").exists()


def test_erasure_and_holds_over_the_api_are_for_admins(
    people: scenario.People, supervisor: Any, administrator: Any
) -> None:
    erase_url = f"/api/contacts/{people.contact.pk}/erase/"
    hold_url = f"/api/contacts/{people.contact.pk}/legal-hold/"
    assert _client(supervisor).post(erase_url, {"reason": "x"}, format="json").status_code == 403
    admin = _client(administrator)
    assert admin.post(erase_url, {}, format="json").status_code == 400
    assert admin.post(hold_url, {"reason": "Claim 7"}, format="json").status_code == 204
    refused = admin.post(erase_url, {"reason": "Request 7"}, format="json")
    assert refused.status_code == 409 and "legal hold" in refused.json()["detail"]
    assert admin.delete(hold_url).status_code == 204

    erased = admin.post(erase_url, {"reason": "Request 7"}, format="json")

    assert erased.status_code == 200 and erased.json()["pseudonym"].startswith("erased-")
    assert erased.json()["counts"]["messages"] >= 2
    assert admin.post(erase_url, {"reason": "Request 7"}, format="json").status_code == 409


def test_the_admin_exports_a_zip_and_erases_after_a_confirmation(
    people: scenario.People, admin_client: Any
) -> None:
    url = "/admin/helpdesk/contact/"
    selected = {"_selected_action": [people.contact.pk]}
    exported = admin_client.post(url, {"action": "export_contact", **selected})
    assert exported.status_code == 200 and exported["Content-Type"] == "application/zip"
    assert "export.json" in zipfile.ZipFile(io.BytesIO(_body(exported))).namelist()

    confirm = admin_client.post(url, {"action": "erase_contacts", **selected})
    assert confirm.status_code == 200 and b"Reason" in confirm.content
    assert Contact.objects.get(pk=people.contact.pk).erased_at is None

    done = admin_client.post(
        url, {"action": "erase_contacts", "confirm": "1", "reason": "Request 9", **selected}
    )

    assert done.status_code == 302
    assert Contact.objects.get(pk=people.contact.pk).erased_at is not None


def test_the_command_exports_and_erases(people: scenario.People, administrator: Any, tmp_path: Path) -> None:
    target = tmp_path / "export.zip"
    out = io.StringIO()
    call_command("gdpr", "export", scenario.ADDRESS, "--zip", "--output", str(target), "--json", stdout=out)
    assert json.loads(out.getvalue())["bytes"] == target.stat().st_size
    assert "export.json" in zipfile.ZipFile(target).namelist()

    out = io.StringIO()
    call_command(
        "gdpr", "erase", str(people.contact.pk), "--reason", "Request 10", "--actor", "ada", stdout=out
    )

    assert "erased-" in out.getvalue()
    assert AuditEvent.objects.filter(action="contact.erased", actor=administrator).exists()
    assert AuditEvent.objects.filter(action="contact.exported", actor_label="command:gdpr").exists()


def test_the_zip_is_streamed_in_small_pieces_whatever_the_attachments_size(
    supervisor: Any, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    large = os.urandom(3 * 1024 * 1024)  # incompressible: the zip cannot make it small
    raw = make_mail(
        sender="Stor Bilaga <stor@kund.example>",
        attachments=[("scan.bin", "application/octet-stream", large)],
    )
    store_raw_email(raw=raw)
    process_stored()
    contact = Contact.objects.get(email="stor@kund.example")

    chunks = list(services.export_contact(contact=contact, actor=supervisor, kind="zip"))

    assert max(len(chunk) for chunk in chunks) < 512 * 1024 < len(large)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    [member] = [name for name in archive.namelist() if name.startswith("attachments/")]
    assert archive.read(member) == large


def test_the_admin_sets_a_legal_hold_with_a_reason_and_erasure_is_then_refused(
    people: scenario.People, admin_client: Any
) -> None:
    url = "/admin/helpdesk/contact/"
    selected = {"_selected_action": [people.contact.pk]}
    asked = admin_client.post(url, {"action": "hold_contacts", "confirm": "1", "reason": "", **selected})
    assert asked.status_code == 200 and Contact.objects.get(pk=people.contact.pk).legal_hold_at is None

    admin_client.post(url, {"action": "hold_contacts", "confirm": "1", "reason": "Claim 2026-9", **selected})
    refused = admin_client.post(
        url, {"action": "erase_contacts", "confirm": "1", "reason": "Request 11", **selected}, follow=True
    )

    contact = Contact.objects.get(pk=people.contact.pk)
    assert contact.legal_hold_reason == "Claim 2026-9" and contact.legal_hold_by is not None
    assert contact.erased_at is None and "legal hold" in refused.content.decode()
    admin_client.post(url, {"action": "release_contacts", **selected})
    assert Contact.objects.get(pk=people.contact.pk).legal_hold_at is None
    actions = set(AuditEvent.objects.filter(action__startswith="contact.").values_list("action", flat=True))
    assert {"contact.legal_hold_set", "contact.erasure_refused", "contact.legal_hold_cleared"} <= actions
