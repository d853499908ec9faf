"""Phones and error pages in Chromium: the inbox and the ticket page at 390x844, refusals and missing
pages in the product's layout with a way back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from helpdesk.models import Message, Ticket
from tests.conftest import browser_page
from tests.drafts.helpers import draft_for
from tests.e2e.test_review_browser import demo
from tests.e2e.test_workspace_browser import log_in

__all__ = ["demo"]  # the fixture, used by name below

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser: Any, server_requests: Any) -> Iterator[Any]:
    """A page the size of a phone screen; fails on any uncaught page error."""
    with browser_page(browser, server_requests, viewport=PHONE, is_mobile=True, has_touch=True) as page:
        yield page


def no_sideways_scroll(page: Any) -> None:
    width, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width <= inner, f"the page is {width} px wide in a {inner} px window"


def log_out_reachable(page: Any) -> None:
    button = page.get_by_role("button", name="Log out")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_the_inbox_on_a_phone_is_a_list_of_cards(
    live_server: Any, phone: Any, demo: None, agent: Any
) -> None:
    log_in(phone, live_server, agent)
    no_sideways_scroll(phone)
    log_out_reachable(phone)
    expect(phone.locator("table.tickets thead")).to_be_hidden()
    cards = phone.locator("tr.ticket-row")
    assert cards.count() >= 5
    first = cards.first.bounding_box()
    assert first is not None and first["width"] <= PHONE["width"]
    # The subject leads each card, above its other cells, and the cells say what they are.
    subject = cards.first.locator("td.subject").bounding_box()
    number = cards.first.locator("td").first.bounding_box()
    assert subject is not None and number is not None and subject["y"] < number["y"]
    labels = cards.first.locator("td[data-label]").evaluate_all(
        "cells => cells.map(cell => getComputedStyle(cell, '::before').content)"
    )
    assert '"Assignee: "' in labels and '"SLA due: "' in labels
    cards.first.locator("td.subject a").click()
    phone.wait_for_url(f"{live_server.url}/tickets/**")
    no_sideways_scroll(phone)


def test_the_ticket_page_on_a_phone_is_one_column_with_the_draft_first(
    live_server: Any, phone: Any, demo: None, agent: Any
) -> None:
    ticket = Ticket.objects.get(subject="Var är min order 100231?")
    draft_for(ticket.messages.get(direction=Message.Direction.INBOUND))
    log_in(phone, live_server, agent)
    phone.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    panel = phone.locator("#draft-panel")
    expect(panel).to_be_visible()
    no_sideways_scroll(phone)
    log_out_reachable(phone)
    draft_box, thread_box, contact_box = (
        phone.locator(selector).bounding_box() for selector in ("#draft-panel", "#thread", "aside.context")
    )
    assert draft_box and thread_box and contact_box
    assert draft_box["y"] < thread_box["y"] < contact_box["y"]  # one column, the draft first
    for box in (draft_box, thread_box, contact_box):
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    expect(phone.get_by_role("button", name="Approve and send")).to_be_visible()


def test_a_refusal_and_a_missing_page_look_like_the_product_and_lead_back(
    live_server: Any, phone: Any, demo: None, agent: Any
) -> None:
    log_in(phone, live_server, agent)
    response = phone.goto(f"{live_server.url}/dashboard/")
    assert response is not None and response.status == 403
    expect(phone.get_by_role("heading", name="Not allowed")).to_be_visible()
    no_sideways_scroll(phone)
    log_out_reachable(phone)
    phone.get_by_role("link", name="Back to the inbox").click()
    phone.wait_for_url(f"{live_server.url}/")
    response = phone.goto(f"{live_server.url}/tickets/987654321/")
    assert response is not None and response.status == 404
    expect(phone.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(phone.locator("header.topbar")).to_be_visible()
    no_sideways_scroll(phone)


def test_merging_into_a_missing_ticket_says_so_beside_the_field(
    live_server: Any, phone: Any, demo: None, agent: Any
) -> None:
    ticket = Ticket.objects.get(subject="Var är min order 100231?")
    log_in(phone, live_server, agent)
    phone.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    phone.get_by_label("Merge into ticket number").fill("987654321")
    phone.get_by_role("button", name="Merge", exact=True).click()
    error = phone.locator("#id_target_error")
    expect(error).to_have_text("There is no ticket #987654321 that you can see.")
    expect(phone.get_by_label("Merge into ticket number")).to_have_value("987654321")
    assert Ticket.objects.get(pk=ticket.pk).merged_into_id is None


def test_dashboard_chart_labels_fit_in_swedish_on_a_phone(
    live_server: Any, phone: Any, demo: None, supervisor: Any
) -> None:
    from helpdesk.models import OperatorProfile

    OperatorProfile.objects.update_or_create(user=supervisor, defaults={"language": "sv"})
    log_in(phone, live_server, supervisor)
    phone.goto(f"{live_server.url}/dashboard/")
    expect(phone.get_by_role("heading", name="Översikt")).to_be_visible()
    no_sideways_scroll(phone)
    overflows = phone.evaluate(
        """() => [...document.querySelectorAll('figure.chart svg')].flatMap(svg => {
            const width = svg.viewBox.baseVal.width;
            const bars = [...svg.querySelectorAll('rect.chart-bar')];
            const labelEdge = bars.length ? Math.min(...bars.map(bar => bar.x.baseVal.value)) : width;
            return [...svg.querySelectorAll('text')].flatMap(text => {
                const box = text.getBBox();
                const limit = text.classList.contains('chart-label') && bars.length ? labelEdge : width;
                const right = box.x + box.width;
                return right > limit + 0.5 ? [`${text.textContent}: ${right} > ${limit}`] : [];
            });
        })"""
    )
    assert overflows == []
    labels = phone.locator("text.chart-label").all_text_contents()
    assert any("Väntar" in label for label in labels) and not any("…" in label for label in labels)


def test_the_composer_and_a_forward_fit_a_phone(live_server: Any, phone: Any, demo: None, agent: Any) -> None:
    ticket = Ticket.objects.get(subject="Var är min order 100231?")  # no draft: the composer starts it
    log_in(phone, live_server, agent)
    phone.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    panel = phone.locator("#draft-panel")
    panel.get_by_role("button", name="Write a reply").click()
    expect(panel.get_by_label("Bcc")).to_be_visible()
    panel.get_by_label("Cc", exact=True).fill("someone.with.a.long.address@a-rather-long-domain-name.example")
    panel.get_by_role("button", name="Save", exact=True).click()
    # An empty reply is refused beside the editor (400, swapped like a conflict), the address kept.
    expect(panel.get_by_role("alert")).to_contain_text("The reply text cannot be empty.")
    panel.get_by_label("Reply", exact=True).fill("Hej! Vi återkommer.")
    panel.get_by_role("button", name="Save", exact=True).click()
    expect(panel.locator(".unknown-recipient")).to_be_visible()
    no_sideways_scroll(phone)
    for selector in ("#draft-to", "#draft-files", "#draft-body"):
        box = phone.locator(selector).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], selector
    panel.get_by_role("button", name="Discard").click()
    expect(panel.get_by_text("Discarded by agnes.")).to_be_visible()
    panel.get_by_role("button", name="Forward").click()
    expect(panel.get_by_role("heading", name="Forward")).to_be_visible()
    no_sideways_scroll(phone)
    log_out_reachable(phone)
