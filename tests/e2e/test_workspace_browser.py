"""The operator workspace in Chromium: find a ticket, see who else is on it, and hostile mail HTML.

Browser tests are slow; each one here covers a flow that only a real browser can prove (htmx swaps,
polling, sandboxed frames, CSP).
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from helpdesk.models import Message
from helpdesk.web import presence, views
from tests.factories import PASSWORD, MessageFactory, TicketFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "mime" / "flanker"


def log_in(page: Any, live_server: Any, user: Any) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")


@contextmanager
def second_operator(browser: Any, live_server: Any, user: Any, path: str) -> Iterator[Any]:
    """``user`` signed in in a browser context of their own, on ``path``; the context closes after."""
    context = browser.new_context(locale="en-GB")
    try:
        other = context.new_page()
        log_in(other, live_server, user)
        other.goto(f"{live_server.url}{path}")
        yield other
    finally:
        context.close()


def test_agent_searches_the_inbox_and_opens_a_ticket_with_the_keyboard(
    live_server: Any, page: Any, agent: Any
) -> None:
    MessageFactory.create(
        ticket=TicketFactory.create(subject="Pallets for Kvarnen"), body_text="Order 100231?"
    )
    TicketFactory.create(subject="Something else")
    log_in(page, live_server, agent)
    page.keyboard.press("/")  # focuses the search box
    page.keyboard.type("kvarnen")
    # htmx swaps the results without a page load and puts the query in the address bar.
    page.wait_for_url(re.compile(r"q=kvarnen"))
    rows = page.locator("tr.ticket-row")
    expect(rows).to_have_count(1)
    assert "Pallets for Kvarnen" in rows.first.inner_text()
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    page.keyboard.press("o")
    page.get_by_role("heading", name=re.compile("Pallets for Kvarnen")).wait_for()
    assert "Order 100231?" in page.locator("#thread").inner_text()


def test_two_operators_on_one_ticket_see_each_other(
    live_server: Any, browser: Any, page: Any, agent: Any, supervisor: Any
) -> None:
    ticket = MessageFactory.create().ticket
    log_in(page, live_server, agent)
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    with second_operator(browser, live_server, supervisor, f"/tickets/{ticket.pk}/") as other:
        other.locator(".presence .person", has_text="agnes").wait_for(timeout=10_000)
        page.locator(".presence .person", has_text="sune").wait_for(timeout=10_000)
        # Typing a note shows as editing to the other operator.
        other.get_by_label("Internal note").click()
        page.locator(".presence .person.editing", has_text="sune is editing").wait_for(timeout=10_000)
        # Leaving the page says goodbye: gone at the next heartbeat. Without the goodbye the entry
        # would expire STALE_AFTER after the last heartbeat, at the earliest this long after leaving:
        other.get_by_role("link", name="← Inbox").click()
        other.wait_for_url(f"{live_server.url}/")
        bound = (presence.STALE_AFTER - presence.HEARTBEAT_SECONDS - 1) * 1000
        page.locator(".presence .person", has_text="sune").wait_for(state="detached", timeout=bound)


def _hostile_html() -> str:
    """A real HTML mail from the corpus with script and event handlers added.

    The corpus holds no scripted HTML, so the hostile parts are injected into a real message; the HTML
    is stored as it is, unsanitised, to prove the page's own walls (sanitising again, the sandboxed frame
    and its CSP) rather than the ingest sanitiser.
    """
    raw = (CORPUS / "bounce" / "office365.eml").read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    payload: Any = next(
        part.get_payload(decode=True) for part in message.walk() if part.get_content_type() == "text/html"
    )
    html: str = payload.decode("utf-8", "replace")
    hostile = (
        "<script>window.top.pwned = 1; alert('script')</script>"
        "<img src=x onerror=\"window.top.pwned = 2; alert('onerror')\">"
        "<a id=js href=\"javascript:alert('link')\">click</a>"
        "<svg onload=\"alert('svg')\"></svg>"
        "<iframe srcdoc=\"<script>alert('frame')</script>\"></iframe>"
        "<form action=https://evil.example><input name=p></form>"
        '<div style="background:url(https://tracker.example/p.gif)">styled</div>'
    )
    return html.replace("<body", "<body onload=\"alert('body')\"", 1).replace(
        "</body>", hostile + "</body>", 1
    )


def test_hostile_mail_html_renders_without_running_anything(live_server: Any, page: Any, agent: Any) -> None:
    html = _hostile_html()
    message = MessageFactory.create(body_text="Delivery has failed", body_html=html)
    dialogs: list[str] = []
    console_errors: list[str] = []
    requests: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("request", lambda request: requests.append(request.url))
    log_in(page, live_server, agent)
    page.goto(f"{live_server.url}/tickets/{message.ticket_id}/")
    frame_element = page.locator("iframe.email-html")
    frame_element.wait_for()
    frame = frame_element.content_frame
    frame.locator("body").wait_for()
    # Every handler that could fire on loading (onload, onerror of a broken image) has had its chance
    # once the frame's load event has passed.
    frame_element.element_handle().content_frame().wait_for_load_state("load")
    assert "Delivery has failed" in frame.locator("body").inner_text() or frame.locator("table").count() > 0
    # Click what could run code; an alert would block the page, so the evaluate below returns only
    # after any dialog was reported.
    frame.locator("body").click(position={"x": 5, "y": 5})
    assert page.evaluate("window.pwned === undefined")
    assert dialogs == []
    assert frame.locator("script, iframe, form, svg, [onerror], [onload]").count() == 0
    assert frame.locator("a[href^=javascript]").count() == 0
    assert not [url for url in requests if "tracker.example" in url or "evil.example" in url]
    assert not [text for text in console_errors if "pwned" in text or "alert" in text]
    assert Message.objects.filter(pk=message.pk, body_html=html).exists()  # nothing was rewritten in place


def test_inbox_refreshes_in_place_keeping_filters_and_the_highlighted_row(
    live_server: Any, page: Any, agent: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "INBOX_REFRESH_SECONDS", 1)
    for n in range(3):
        MessageFactory.create(ticket=TicketFactory.create(subject=f"Kvarnen question {n}"))
    log_in(page, live_server, agent)
    page.goto(f"{live_server.url}/?q=kvarnen")
    page.evaluate("window.sameDocument = true")
    page.keyboard.press("j")
    page.keyboard.press("j")
    selected = page.locator("tr.ticket-row.selected").get_attribute("data-ticket")
    # New mail arrives: one ticket that matches the search, one that does not.
    MessageFactory.create(ticket=TicketFactory.create(subject="Kvarnen new pallets"))
    MessageFactory.create(ticket=TicketFactory.create(subject="Unrelated newcomer"))
    page.locator("tr.ticket-row", has_text="Kvarnen new pallets").wait_for()
    assert page.evaluate("window.sameDocument === true"), "no full reload"
    assert page.url.endswith("/?q=kvarnen") and page.get_by_label("Search").input_value() == "kvarnen"
    assert page.locator("tr.ticket-row", has_text="Unrelated newcomer").count() == 0
    assert page.locator("#inbox-results").count() == 1
    assert page.locator("tr.ticket-row.selected").get_attribute("data-ticket") == selected
    assert page.evaluate("document.activeElement.closest('tr').dataset.ticket") == selected
    # "o" still opens the highlighted ticket.
    page.keyboard.press("o")
    page.wait_for_url(re.compile(rf"/tickets/{selected}/"))


def test_a_hidden_inbox_does_not_refresh_and_catches_up_when_shown(
    live_server: Any, page: Any, agent: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "INBOX_REFRESH_SECONDS", 1)
    log_in(page, live_server, agent)
    page.evaluate(
        "window.sent = 0; document.addEventListener('htmx:beforeSend', function () { window.sent += 1; })"
    )
    # While hidden, a refresh is cancelled before anything is sent (checked synchronously).
    sent_while_hidden = page.evaluate(
        """() => {
          Object.defineProperty(document, "visibilityState", {value: "hidden", configurable: true});
          const before = window.sent;
          htmx.trigger(document.getElementById("inbox-results"), "inbox:refresh");
          return window.sent - before;
        }"""
    )
    assert sent_while_hidden == 0
    TicketFactory.create(subject="Arrived while away")
    page.evaluate(
        """() => {
          Object.defineProperty(document, "visibilityState", {value: "visible", configurable: true});
          document.dispatchEvent(new Event("visibilitychange"));
        }"""
    )
    page.locator("tr.ticket-row", has_text="Arrived while away").wait_for()
