"""The reply composer in Chromium: a reply written from scratch with a file from the computer and a
saved reply, a forward to a carrier with a file of the conversation, and a follow-up after an
approval; each goes through the same approval, undo window and outbound queue as a draft."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from delivery.models import OutboundMessage
from drafts.models import Draft, ReviewPolicy, SavedReply
from drafts.policy import supervisor_reasons
from helpdesk.models import Attachment, Message, Ticket
from tests.e2e.test_review_browser import demo  # noqa: F401 - the seeded demo, a fixture
from tests.e2e.test_workspace_browser import log_in
from tests.factories import authenticated

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _ticket(subject: str) -> Ticket:
    ticket = Ticket.objects.get(subject=subject)
    for message in ticket.messages.filter(direction=Message.Direction.INBOUND):
        message.sender_auth = authenticated(message.from_address)
        message.save(update_fields=["sender_auth"])
    return ticket


def test_a_reply_from_scratch_with_a_file_and_a_saved_reply(
    live_server: Any,
    page: Any,
    agent: Any,
    demo: None,  # noqa: F811
    tmp_path: Path,
    settings: Any,
) -> None:
    settings.HELPDESK_UNDO_SECONDS = 30
    ticket = _ticket("Var är min order 100231?")
    SavedReply.objects.create(name="Hälsning", body="Vänliga hälsningar\n{{ agent_name }}, {{ ticket }}")
    document = tmp_path / "följesedel.pdf"
    document.write_bytes(b"%PDF-1.4 test\n%%EOF\n")

    log_in(page, live_server, agent)
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    panel = page.locator("#draft-panel")
    panel.get_by_role("button", name="Write a reply").click()
    expect(panel.get_by_role("heading", name="Your reply")).to_be_visible()
    expect(panel.get_by_label("To", exact=True)).to_have_value("inkop@bergstrom-bygg.se")
    panel.get_by_label("Reply", exact=True).fill("Hej Karin!\n\nFöljesedeln för order 100231 är bifogad.")
    panel.get_by_label("Saved reply").select_option(label="Hälsning")
    panel.get_by_role("button", name="Insert").click()
    greeting = f"Vänliga hälsningar\nagnes, {ticket.reference}"
    expect(panel.get_by_label("Reply", exact=True)).to_have_value(
        f"Hej Karin!\n\nFöljesedeln för order 100231 är bifogad.\n\n{greeting}"
    )
    panel.get_by_label("Attach files from your computer").set_input_files(str(document))
    panel.get_by_label("Bcc").fill("someone@elsewhere.example")
    panel.get_by_role("button", name="Save", exact=True).last.click()
    # A stranger is marked and only a supervisor may send to them.
    expect(panel.locator(".unknown-recipient")).to_have_text("someone@elsewhere.example")
    expect(panel.get_by_role("button", name="Approve and send")).to_be_disabled()
    expect(panel.get_by_text("Remove följesedel.pdf")).to_be_visible()

    panel.get_by_label("Bcc").fill("")
    panel.get_by_role("button", name="Save", exact=True).last.click()
    expect(panel.locator(".unknown-recipient")).to_have_count(0)
    # Nothing left for a supervisor (the saved reply's ticket reference is no claim).
    assert supervisor_reasons(Draft.objects.get(ticket=ticket, kind="reply")) == []
    panel.get_by_role("button", name="Approve and send").click()
    expect(panel.get_by_text("Approved.", exact=True)).to_be_visible()
    draft = Draft.objects.get(ticket=ticket, kind="reply")
    outbound = OutboundMessage.objects.get(ticket=ticket)
    assert draft.outbound_id == outbound.pk and outbound.bcc_addresses == []
    assert outbound.release_at is not None  # held for the undo window like any approval
    assert Attachment.objects.filter(message=outbound.ticket_message, filename="följesedel.pdf").exists()

    # A follow-up after the approval, while the first one can still be undone or has gone.
    panel.get_by_role("button", name="Undo").click()
    expect(panel.get_by_role("button", name="Approve and send")).to_be_enabled()
    panel.get_by_role("button", name="Approve and send").click()
    expect(panel.get_by_text("Approved.", exact=True)).to_be_visible()
    OutboundMessage.objects.filter(ticket=ticket, status="queued").update(release_at=None)
    page.reload()
    panel.get_by_role("button", name="Write a follow-up").click()
    panel.get_by_label("Reply", exact=True).fill("Hej igen! Vi hör av oss när leveransen är bokad.")
    panel.get_by_role("button", name="Approve and send").click()
    expect(panel.get_by_text("Approved.", exact=True)).to_be_visible()
    assert OutboundMessage.objects.filter(ticket=ticket).exclude(status="cancelled").count() == 2


def test_forwarding_to_a_carrier_with_a_file_of_the_conversation(
    live_server: Any,
    page: Any,
    agent: Any,
    demo: None,  # noqa: F811
) -> None:
    ticket = _ticket("Var är min order 100231?")
    question = ticket.messages.get(direction=Message.Direction.INBOUND)
    photo = Attachment.objects.create(
        message=question, filename="skada.png", content_type="image/png", size=8, sha256="1" * 64
    )
    photo.file.save("skada.png", ContentFile(b"\x89PNG...."))
    policy = ReviewPolicy.default()
    policy.partner_domains = ["fraktbolaget.example"]
    policy.save()

    log_in(page, live_server, agent)
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    panel = page.locator("#draft-panel")
    panel.get_by_role("button", name="Forward").click()
    expect(panel.get_by_role("heading", name="Forward")).to_be_visible()
    body = panel.get_by_label("Reply", exact=True)
    expect(body).to_have_value(re.compile("Vi väntar på order 100231"))
    panel.get_by_label("To", exact=True).fill("skador@fraktbolaget.example")
    panel.get_by_label("skada.png").check()
    body.press("Control+Home")
    body.type("Hej! Kan ni undersöka sändningen? ")
    panel.get_by_role("button", name="Approve and send").click()
    expect(panel.get_by_text("Approved.", exact=True)).to_be_visible()

    outbound = OutboundMessage.objects.get(ticket=ticket)
    assert outbound.to_addresses == ["skador@fraktbolaget.example"] and outbound.in_reply_to == ""
    assert outbound.body_text.startswith("Hej! Kan ni undersöka sändningen?")
    assert Attachment.objects.filter(message=outbound.ticket_message, filename="skada.png").exists()
    # Recorded on the ticket: the forward is in the conversation.
    page.reload()
    expect(page.locator("#thread")).to_contain_text("skador@fraktbolaget.example")
