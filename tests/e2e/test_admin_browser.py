"""Django admin in Chromium: every change list fits a 1440 px window, even with long values, and the
admin carries the product's favicon."""

from __future__ import annotations

from typing import Any

import pytest

from helpdesk.ingest.services import store_raw_email
from helpdesk.models import Company, Contact, InboundEmail, Mailbox, Message, ThreadReference, Ticket
from tests.conftest import browser_page
from tests.factories import PASSWORD, TicketFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG = "Angående_order_" + "x" * 180


def long_values() -> None:
    """Rows with the longest values each list shows: unbroken subjects, addresses, ids and errors."""
    address = "a" * 60 + "@" + "b" * 60 + ".example"
    ticket = TicketFactory.create(subject=LONG)
    Message.objects.create(
        ticket=ticket, direction="inbound", from_address=address, subject=LONG, message_id=f"<{'z' * 200}@x>"
    )
    mailbox = Mailbox.objects.create(
        name="m" * 90, host="imap." + "h" * 80 + ".example", username="u" * 80 + "@x.example"
    )
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_error="LOGIN failed: " + "E" * 300, consecutive_failures=2
    )
    raw = store_raw_email(raw=b"From: q@x.example\r\nSubject: x\r\n\r\nbody")
    InboundEmail.objects.filter(pk=raw.pk).update(
        status="quarantined",
        error="T" * 400,
        subject=LONG,
        from_address=address,
        message_id=f"<{'y' * 200}@x>",
    )
    Contact.objects.create(email=address, name="N" * 150)
    Company.objects.create(name="C" * 190, domain="d" * 100 + ".example")
    ThreadReference.objects.create(ticket=ticket, message_id=f"<{'r' * 300}@x>")


def test_every_change_list_fits_1440_px_and_the_admin_has_the_favicon(
    live_server: Any, browser: Any, server_requests: Any, administrator: Any
) -> None:
    long_values()
    with browser_page(browser, server_requests, viewport={"width": 1440, "height": 900}) as page:
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("#id_username", administrator.username)
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(f"{live_server.url}/admin/")
        lists = page.eval_on_selector_all(
            "#content-main a",
            "links => [...new Set(links.map(a => a.getAttribute('href'))"
            ".filter(h => h && /^\\/admin\\/[a-z_]+\\/[a-z_]+\\/$/.test(h)))]",
        )
        assert "/admin/helpdesk/message/" in lists and "/admin/helpdesk/slapolicy/" in lists
        too_wide = []
        for path in lists:
            page.goto(f"{live_server.url}{path}")
            assert page.locator("link[rel=icon][href$='favicon.svg']").count() == 1, path
            scroll, client = page.evaluate(
                "(() => { const r = document.querySelector('#changelist .results');"
                " return r ? [r.scrollWidth, r.clientWidth] : [0, 0]; })()"
            )
            if scroll > client:
                too_wide.append(f"{path}: {scroll} > {client}")
        assert too_wide == []
        assert Ticket.objects.filter(subject=LONG).exists()
