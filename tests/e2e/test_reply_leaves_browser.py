"""The whole way with real parts: a customer's mail APPENDed to Dovecot becomes a ticket, gets a
grounded draft, is approved in Chromium, and arrives at an SMTP relay (STARTTLS, AUTH) DKIM-signed and
threaded to the customer's mail; every step is in the audit log and the ticket page shows it was sent."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect

from delivery import dkim
from delivery.models import OutboundMessage
from delivery.queue import send_pass
from drafts.generation import draft_now
from helpdesk.ingest.services import poll_mailbox
from helpdesk.models import AuditEvent, Message
from tests.delivery.helpers import parsed
from tests.e2e.test_review_browser import demo  # noqa: F401 - the seeded demo, a fixture
from tests.e2e.test_workspace_browser import log_in
from tests.helpdesk.ingest_support import add_imap_mailbox, make_mail, new_id
from tests.services import Dovecot, SmtpSink

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_mail_is_answered_by_mail_signed_and_threaded(
    live_server: Any,
    page: Any,
    agent: Any,
    demo: None,  # noqa: F811
    dovecot: Dovecot,
    imap_account: tuple[str, str],
    relay: SmtpSink,
    dkim_keys: dict[str, str],
    settings: Any,
) -> None:
    settings.HELPDESK_UNDO_SECONDS = 1
    # Our MX checked the customer's mail (DMARC pass): the draft may show her order to an agent.
    settings.HELPDESK_AUTHSERV_IDS = ["mx.nordlager.example"]
    mailbox = add_imap_mailbox(dovecot, *imap_account, name="support")
    customer_id = new_id("bergstrom-bygg.se")
    dovecot.append(
        *imap_account,
        make_mail(
            sender="Karin Bergström <karin.bergstrom@bergstrom-bygg.se>",
            subject="Leverans av order 100231?",
            body="Hej!\n\nNär kommer order 100231?\n\nKarin",
            message_id=customer_id,
            headers={
                "Authentication-Results": "mx.nordlager.example; dmarc=pass header.from=bergstrom-bygg.se"
            },
        ),
    )
    assert poll_mailbox(mailbox).ok
    question = Message.objects.get(message_id=customer_id)
    draft, _ = draft_now(message_id=question.pk)
    assert draft.status == "ready" and draft.citations.exists()

    log_in(page, live_server, agent)
    page.goto(f"{live_server.url}/tickets/{question.ticket_id}/")
    panel = page.locator("#draft-panel")
    panel.get_by_role("button", name="Approve and send").click()
    panel.get_by_text("Approved.", exact=True).wait_for()

    outbound = OutboundMessage.objects.get()
    while outbound.held_until() is not None:  # the undo window
        time.sleep(0.2)
        outbound.refresh_from_db()
    assert send_pass().counts["sent"] == 1  # what the mail worker runs

    (received,) = relay.messages
    assert received.tls and received.authenticated
    assert received.rcpt_tos == ["karin.bergstrom@bergstrom-bygg.se"]
    mail = parsed(received.data)
    assert mail["In-Reply-To"] == customer_id and customer_id in mail["References"]
    text = mail.get_body(("plain",))
    assert text is not None and "100231" in text.get_content()
    assert [v.valid for v in dkim.verify_all(received.data, dkim_keys)] == [True, True]

    page.reload()
    expect(page.locator(".delivery.delivery-sent")).to_be_visible()
    actions = set(AuditEvent.objects.filter(ticket_id=question.ticket_id).values_list("action", flat=True))
    assert {"draft.requested", "draft.ready", "draft.approved", "outbound.queued", "outbound.sent"} <= actions
