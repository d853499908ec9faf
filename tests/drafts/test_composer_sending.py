"""A reply written in the composer, with a file from the operator's computer, through the page and the
real queue: the file arrives at the SMTP relay inside the DKIM-signed mail, and Bcc stays out of the
headers."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from delivery import dkim
from delivery.models import OutboundMessage
from delivery.queue import send_pass
from drafts.models import Draft
from tests.delivery.helpers import parsed
from tests.factories import authenticated
from tests.services import SmtpSink

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_a_composed_reply_with_a_file_arrives_at_the_relay_signed(
    client: Client, demo_message: Any, agent: Any, relay: SmtpSink, dkim_keys: dict[str, str], settings: Any
) -> None:
    settings.HELPDESK_UNDO_SECONDS = 0
    message = demo_message("Var är min order 100231?")
    message.sender_auth = authenticated(message.from_address)
    message.save(update_fields=["sender_auth"])
    client.force_login(agent)
    assert client.post(f"/tickets/{message.ticket_id}/reply/").status_code == 302
    draft = Draft.objects.get(ticket=message.ticket, kind="reply")
    page = client.get(f"/tickets/{message.ticket_id}/").content.decode()
    assert 'name="to"' in page and 'type="file"' in page

    # The upload as a browser sends it: multipart, with the text fields.
    response = client.post(
        f"/drafts/{draft.pk}/approve/",
        {
            "version": draft.version,
            "to": message.from_address,
            "cc": "",
            "bcc": "arkiv@bergstrom-bygg.se",
            "subject": draft.subject,
            "body": "Hej Karin!\n\nHär kommer följesedeln för order 100231.\n\nMvh\nAgnes",
            "files": _upload("följesedel 100231.pdf", PDF),
        },
    )
    assert response.status_code == 302, response.content[:500]
    outbound = OutboundMessage.objects.get(ticket=message.ticket)
    assert send_pass().counts["sent"] == 1

    (received,) = relay.messages
    assert sorted(received.rcpt_tos) == sorted([message.from_address, "arkiv@bergstrom-bygg.se"])
    mail = parsed(received.data)
    assert mail["Bcc"] is None and mail["Message-ID"] == outbound.message_id
    (part,) = list(mail.iter_attachments())
    assert part.get_content_type() == "application/pdf"
    assert part.get_filename() == "följesedel 100231.pdf" and part.get_content() == PDF
    text = mail.get_body(("plain",))
    assert text is not None and "följesedeln för order 100231" in text.get_content()
    assert [v.valid for v in dkim.verify_all(received.data, dkim_keys)] == [True, True]


def test_a_refused_file_names_the_limit_and_keeps_the_text(
    client: Client, demo_message: Any, agent: Any
) -> None:
    message = demo_message("Var är min order 100231?")
    client.force_login(agent)
    client.post(f"/tickets/{message.ticket_id}/reply/")
    draft = Draft.objects.get(ticket=message.ticket, kind="reply")
    response = client.post(
        f"/drafts/{draft.pk}/save/",
        {
            "version": draft.version,
            "to": message.from_address,
            "subject": draft.subject,
            "body": "Min text som inte får försvinna",
            "files": _upload("script.js", b"alert(1)"),
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "script.js cannot be sent" in page and "Min text som inte får försvinna" in page
    assert not Draft.objects.get(pk=draft.pk).attachments.exists()


def _upload(name: str, data: bytes) -> Any:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_a_forward_arrives_at_the_carrier_and_is_no_first_response(
    demo_message: Any, agent: Any, relay: SmtpSink, dkim_keys: dict[str, str]
) -> None:
    from drafts import composing, services
    from drafts.models import ReviewPolicy
    from drafts.recipients import Recipients

    message = demo_message("Var är min order 100231?")
    ticket = message.ticket
    ticket.first_response_at = None
    ticket.save(update_fields=["first_response_at"])
    policy = ReviewPolicy.default()
    policy.partner_domains = ["fraktbolaget.example"]
    policy.save()
    forward = composing.start_forward(ticket=ticket, user=agent)
    forward = composing.save_composition(
        draft=forward,
        user=agent,
        expected_version=forward.version,
        changes=composing.Changes(
            subject=forward.subject,
            body=f"Hej! Kan ni kolla sändningen?\n{forward.body}",
            recipients=Recipients(to=["skador@fraktbolaget.example"]),
            uploads=[_upload("skada.jpg", b"\xff\xd8\xff\xe0 photo")],
        ),
    )
    services.approve_draft(draft=forward, user=agent, expected_version=forward.version, undo_seconds=0)
    assert send_pass().counts["sent"] == 1
    (received,) = relay.messages
    assert received.rcpt_tos == ["skador@fraktbolaget.example"]
    mail = parsed(received.data)
    assert mail["In-Reply-To"] is None and ticket.reference in mail["Subject"]
    text = mail.get_body(("plain",))
    assert text is not None and "Vi väntar på order 100231" in text.get_content()
    assert [part.get_filename() for part in mail.iter_attachments()] == ["skada.jpg"]
    ticket.refresh_from_db()
    assert ticket.first_response_at is None  # a mail to the carrier is not an answer to the customer


def test_files_larger_than_a_form_may_be_are_uploaded_to_the_composer_only(
    client: Client, demo_message: Any, agent: Any
) -> None:
    message = demo_message("Var är min order 100231?")
    client.force_login(agent)
    client.post(f"/tickets/{message.ticket_id}/reply/")
    draft = Draft.objects.get(ticket=message.ticket, kind="reply")
    two_megabytes = b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024)
    response = client.post(
        f"/drafts/{draft.pk}/save/",
        {
            "version": draft.version,
            "to": message.from_address,
            "subject": draft.subject,
            "body": "Se bilaga.",
            "files": _upload("ritning.pdf", two_megabytes),
        },
    )
    assert response.status_code == 302
    assert Draft.objects.get(pk=draft.pk).attachments.get().size == len(two_megabytes)
    # Only a form with files gets the room: the same address refuses a large plain form.
    huge = b"body=" + b"x" * (1024 * 1024)
    response = client.generic("POST", f"/drafts/{draft.pk}/save/", huge, "application/x-www-form-urlencoded")
    assert response.status_code == 413
