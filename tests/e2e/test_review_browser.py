"""Draft review in Chromium: read the cited facts, edit, approve, see it queued; flagged drafts."""

from __future__ import annotations

import importlib
import io
import re
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from playwright.sync_api import expect

from delivery.models import OutboundMessage
from drafts.models import Draft
from helpdesk import roles
from helpdesk.models import Message, Queue, Ticket
from tests.drafts.helpers import draft_for
from tests.e2e.test_workspace_browser import log_in, second_operator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db: None, agent: Any) -> None:
    # Transactional tests flush what data migrations made (role groups, reply templates, brand
    # voices, review policy); put it back, as migrate would.
    for role in roles.ROLES:
        Group.objects.get_or_create(name=role)
    with connection.schema_editor() as editor:
        importlib.import_module("drafts.migrations.0002_defaults").install_defaults(django_apps, editor)
    call_command("seed_demo", stdout=io.StringIO())
    cache.clear()
    for queue in Queue.objects.all():
        queue.members.add(agent)


def _draft(subject: str) -> Draft:
    ticket = Ticket.objects.get(subject=subject)
    return draft_for(ticket.messages.get(direction=Message.Direction.INBOUND))


def test_agent_reads_the_facts_edits_approves_and_sees_the_reply_queued(
    live_server: Any, page: Any, agent: Any, demo: None, settings: Any
) -> None:
    settings.HELPDESK_UNDO_SECONDS = 2
    draft = _draft("Var är min order 100231?")
    log_in(page, live_server, agent)
    page.get_by_label("Search").fill("100231")
    # Click only once the search has replaced the list, never a row of the list being replaced.
    page.wait_for_url(re.compile(r"q=100231"))
    expect(page.locator("tr.ticket-row")).to_have_count(1)
    page.locator("tr.ticket-row a", has_text="Var är min order 100231?").click()
    panel = page.locator("#draft-panel")
    panel.wait_for()
    # The shortcuts listen once the deferred scripts have run: a key pressed earlier goes to the page,
    # where the typed text's letters would be shortcuts themselves ("n" opens the next ticket).
    page.wait_for_load_state("load")
    # The cited facts, each linking to its source record.
    facts = panel.locator(".citations li")
    assert facts.count() == draft.citations.count() > 0
    assert panel.locator(".citations a[href]").count() > 0
    assert panel.locator(".draft-text .verified").count() > 0
    # Edit with the keyboard shortcut, then approve with "a" after leaving the field.
    page.keyboard.press("e")
    page.keyboard.press("End")
    page.keyboard.type("\nVänliga hälsningar från testet")
    page.keyboard.press("Escape")
    page.keyboard.press("a")
    panel.get_by_text("Approved.", exact=True).wait_for()
    assert panel.get_by_role("button", name="Undo").is_visible()
    # After the undo window the panel says the reply went to the queue.
    panel.get_by_text("handed to the mail queue").wait_for(timeout=10_000)
    outbound = OutboundMessage.objects.get()
    assert outbound.status == "queued" and outbound.body_text.endswith("Vänliga hälsningar från testet")
    assert outbound.to_addresses == [draft.in_reply_to.from_address]
    assert page.locator("#thread article.outbound").count() == 0  # the thread refreshes on reload
    page.reload()
    assert "Vänliga hälsningar från testet" in page.locator("#thread article.outbound").inner_text()


def test_flagged_draft_is_refused_for_an_agent_and_approved_by_a_supervisor(
    live_server: Any, page: Any, browser: Any, agent: Any, supervisor: Any, demo: None
) -> None:
    draft = _draft("Skadat gods i order 100238")
    log_in(page, live_server, agent)
    page.goto(f"{live_server.url}/tickets/{draft.ticket_id}/")
    panel = page.locator("#draft-panel")
    assert panel.get_by_text("A supervisor must approve this draft").is_visible()
    approve = panel.get_by_role("button", name="Approve and send")
    assert approve.is_disabled()
    page.keyboard.press("a")  # the shortcut cannot get round it either (it clicks only enabled buttons)
    assert page.evaluate("document.querySelector('[data-shortcut=approve]').disabled")
    page.reload()  # whatever the key press might have sent was sent before this navigation
    panel.get_by_text("A supervisor must approve this draft").wait_for()
    assert Draft.objects.get(pk=draft.pk).status == "ready" and not OutboundMessage.objects.exists()
    with second_operator(browser, live_server, supervisor, f"/tickets/{draft.ticket_id}/") as other:
        other.locator("#draft-panel").get_by_role("button", name="Approve and send").click()
        other.locator("#draft-panel").get_by_text("Approved.", exact=True).wait_for()
    assert Draft.objects.get(pk=draft.pk).status == "approved"


def test_a_stale_save_shows_the_conflict_and_keeps_the_operator_s_text(
    live_server: Any, page: Any, browser: Any, agent: Any, supervisor: Any, demo: None
) -> None:
    """The refusal (409) is swapped into the panel: htmx leaves error responses unswapped by default."""
    draft = _draft("Var är min order 100231?")
    log_in(page, live_server, agent)
    page.goto(f"{live_server.url}/tickets/{draft.ticket_id}/")
    with second_operator(browser, live_server, supervisor, f"/tickets/{draft.ticket_id}/") as other:
        other.locator("#draft-body").fill("Their text")
        other.locator("#draft-panel").get_by_role("button", name="Save", exact=True).click()
        other.locator("#draft-panel").get_by_text("Draft saved.").wait_for()
    panel = page.locator("#draft-panel")
    page.locator("#draft-body").fill("My text")
    panel.get_by_role("button", name="Save", exact=True).click()
    panel.get_by_text("changed by someone else").wait_for(timeout=5_000)
    assert page.locator("#draft-body").input_value() == "My text"
    assert Draft.objects.get(pk=draft.pk).body == "Their text"


def test_enter_in_the_subject_saves_and_never_approves(
    live_server: Any, page: Any, agent: Any, demo: None
) -> None:
    draft = _draft("Var är min order 100231?")
    log_in(page, live_server, agent)
    page.goto(f"{live_server.url}/tickets/{draft.ticket_id}/")
    subject = page.get_by_label("Subject", exact=True)
    subject.fill("Re: din order 100231")
    subject.press("Enter")
    page.locator("#draft-panel").get_by_text("Draft saved.").wait_for(timeout=5_000)
    saved = Draft.objects.get(pk=draft.pk)
    assert saved.subject == "Re: din order 100231" and saved.status == Draft.Status.EDITED
    assert not OutboundMessage.objects.exists()


def test_editing_the_draft_s_subject_shows_as_editing_to_the_others(
    live_server: Any, page: Any, browser: Any, agent: Any, supervisor: Any, demo: None
) -> None:
    draft = _draft("Var är min order 100231?")
    log_in(page, live_server, agent)
    page.goto(f"{live_server.url}/tickets/{draft.ticket_id}/")
    with second_operator(browser, live_server, supervisor, f"/tickets/{draft.ticket_id}/") as other:
        page.locator(".presence .person.viewing", has_text="sune").wait_for(timeout=10_000)
        other.get_by_label("Subject", exact=True).click()
        page.locator(".presence .person.editing", has_text="sune is editing").wait_for(timeout=10_000)
