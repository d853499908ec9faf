"""The ticket page and its actions, for every role; safe HTML; attachments; presence; ERP context."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any, cast
from unittest import mock

import pytest
from django import forms
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from helpdesk import services
from helpdesk.models import Attachment, AuditEvent, Message, Tag, Ticket
from helpdesk.web import presence
from tests.factories import ContactFactory, MessageFactory, QueueFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hidden_ticket(db: None) -> Ticket:
    """A ticket in a queue the agent is not a member of."""
    return TicketFactory.create(subject="Hidden", queue=QueueFactory.create())


def test_agent_reads_the_conversation(client: Client, agent: Any) -> None:
    message = MessageFactory.create(body_text="Var är order 100231?", visible_text="Var är order 100231?")
    client.force_login(agent)
    response = client.get(reverse("ticket", args=[message.ticket_id]))
    assert response.status_code == 200
    assert "Var är order 100231?" in response.text


@pytest.mark.parametrize(
    "name,method",
    [
        ("ticket", "get"),
        ("ticket_next", "get"),
        ("ticket_erp", "get"),
        ("ticket_draft", "get"),
        ("ticket_update", "post"),
        ("ticket_assign_me", "post"),
        ("ticket_note", "post"),
        ("ticket_merge", "post"),
        ("ticket_presence", "post"),
        ("ticket_presence_leave", "post"),
    ],
)
def test_every_ticket_url_is_404_for_a_ticket_the_agent_may_not_see(
    client: Client, agent: Any, hidden_ticket: Ticket, name: str, method: str
) -> None:
    client.force_login(agent)
    response = getattr(client, method)(reverse(name, args=[hidden_ticket.pk]), {"body": "x", "target": 1})
    assert response.status_code == 404
    assert "Hidden" not in response.text
    assert not AuditEvent.objects.filter(ticket_id=hidden_ticket.pk).exists()


@pytest.mark.parametrize("name", ["ticket", "ticket_note", "ticket_presence", "ticket_presence_leave"])
def test_outsider_gets_403(client: Client, outsider: Any, name: str) -> None:
    ticket = TicketFactory.create()
    client.force_login(outsider)
    method = client.get if name == "ticket" else client.post
    assert method(reverse(name, args=[ticket.pk]), {"body": "x"}).status_code == 403


def test_anonymous_is_sent_to_login(client: Client) -> None:
    ticket = TicketFactory.create()
    response = client.get(reverse("ticket", args=[ticket.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_posts_need_a_csrf_token(agent: Any) -> None:
    ticket = TicketFactory.create()
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    response = client.post(reverse("ticket_note", args=[ticket.pk]), {"body": "sneaky"})
    assert response.status_code == 403
    assert not Message.objects.filter(direction=Message.Direction.NOTE).exists()


def test_properties_form_changes_status_priority_assignee_and_tags(
    client: Client, agent: Any, supervisor: Any
) -> None:
    ticket = TicketFactory.create()
    client.force_login(agent)
    response = client.post(
        reverse("ticket_update", args=[ticket.pk]),
        {"status": "pending", "priority": 3, "assignee": supervisor.pk, "tags": "Invoice, urgent ,invoice"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.assignee_id) == ("pending", 3, supervisor.pk)
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["invoice", "urgent"]
    actions = set(AuditEvent.objects.filter(ticket_id=ticket.pk).values_list("action", flat=True))
    assert actions == {"ticket.status_changed", "ticket.priority_changed", "ticket.assigned", "ticket.tagged"}


def test_properties_htmx_answers_with_the_region(client: Client, agent: Any) -> None:
    ticket = TicketFactory.create()
    client.force_login(agent)
    response = client.post(
        reverse("ticket_update", args=[ticket.pk]),
        {"status": "open", "priority": 2, "assignee": "", "tags": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert (
        response.text.lstrip().startswith('<section id="properties"') and "Ticket updated." in response.text
    )


def test_invalid_properties_change_nothing(client: Client, agent: Any) -> None:
    ticket = TicketFactory.create()
    client.force_login(agent)
    client.post(reverse("ticket_update", args=[ticket.pk]), {"status": "bogus", "priority": 9})
    ticket.refresh_from_db()
    assert ticket.status == "new" and not AuditEvent.objects.filter(ticket_id=ticket.pk).exists()


class _FormFields(HTMLParser):
    """What a browser posts from the form whose action is ``action``: inputs and selected options."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.select = action, False, ""
        self.data: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.inside = attributes.get("action") == self.action
        elif self.inside and tag == "input" and attributes.get("type") != "submit":
            self.data[attributes["name"]] = attributes.get("value", "")
        elif self.inside and tag == "select":
            self.select = attributes["name"]
            self.data.setdefault(self.select, "")
        elif self.inside and tag == "option" and "selected" in attributes:
            self.data[self.select] = attributes.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


def _properties_as_shown(client: Client, ticket: Ticket) -> dict[str, str]:
    fields = _FormFields(reverse("ticket_update", args=[ticket.pk]))
    fields.feed(client.get(reverse("ticket", args=[ticket.pk])).text)
    assert {"status", "priority", "assignee", "tags"} <= set(fields.data)
    return fields.data


def test_a_properties_form_opened_before_a_colleague_s_change_does_not_undo_it(
    client: Client, agent: Any, supervisor: Any
) -> None:
    ticket = TicketFactory.create(status="open", priority=2)
    ticket.tags.add(Tag.objects.create(name="invoice"))
    client.force_login(agent)
    shown = _properties_as_shown(client, ticket)
    # While the agent has the page open, a supervisor sets it pending, takes it and adds a tag.
    services.change_ticket_status(ticket=ticket, status="pending", actor=supervisor)
    services.assign_ticket(ticket=ticket, assignee=supervisor, actor=supervisor)
    services.set_ticket_tags(ticket=ticket, names=["invoice", "vip"], actor=supervisor)
    # The agent changes only the priority.
    response = client.post(reverse("ticket_update", args=[ticket.pk]), {**shown, "priority": "3"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.assignee_id) == ("pending", 3, supervisor.pk)
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["invoice", "vip"]


def test_changing_a_property_a_colleague_changed_meanwhile_is_refused_with_a_message(
    client: Client, agent: Any, supervisor: Any
) -> None:
    ticket = TicketFactory.create(status="open", priority=2)
    client.force_login(agent)
    shown = _properties_as_shown(client, ticket)
    services.change_ticket_status(ticket=ticket, status="pending", actor=supervisor)
    response = client.post(
        reverse("ticket_update", args=[ticket.pk]),
        {**shown, "status": "resolved", "priority": "3"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "someone else changed Status" in response.text
    assert '<option value="pending" selected>' in response.text  # the current values are shown
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == ("pending", 2)  # nothing of the stale form was applied


@pytest.mark.parametrize("htmx", [False, True])
def test_handing_on_a_ticket_the_agent_saw_only_as_its_assignee_leads_back_to_the_inbox(
    client: Client, agent: Any, supervisor: Any, htmx: bool
) -> None:
    ticket = TicketFactory.create(queue=QueueFactory.create(), assignee=agent)
    client.force_login(agent)
    shown = _properties_as_shown(client, ticket)
    response = client.post(
        reverse("ticket_update", args=[ticket.pk]),
        {**shown, "assignee": supervisor.pk},
        headers={"HX-Request": "true"} if htmx else {},
    )
    ticket.refresh_from_db()
    assert ticket.assignee_id == supervisor.pk
    if htmx:
        assert response.status_code == 200 and response["HX-Redirect"] == reverse("home")
    else:
        assert response.status_code == 302 and response["Location"] == reverse("home")
    assert "no longer see" in client.get(reverse("home")).text


def test_assigning_an_outsider_is_refused(client: Client, agent: Any, outsider: Any) -> None:
    ticket = TicketFactory.create()
    client.force_login(agent)
    response = client.post(
        reverse("ticket_update", args=[ticket.pk]),
        {"status": "new", "priority": 2, "assignee": outsider.pk, "tags": ""},
        follow=True,
    )
    ticket.refresh_from_db()
    assert ticket.assignee_id is None
    assert response.status_code == 400  # the page again, with the field marked


def test_assign_to_me(client: Client, agent: Any) -> None:
    ticket = TicketFactory.create()
    client.force_login(agent)
    client.post(reverse("ticket_assign_me", args=[ticket.pk]))
    ticket.refresh_from_db()
    assert ticket.assignee_id == agent.pk


def test_assign_to_me_does_not_take_a_ticket_a_colleague_was_given_meanwhile(
    client: Client, agent: Any, supervisor: Any
) -> None:
    ticket = TicketFactory.create()
    client.force_login(agent)
    shown = _FormFields(reverse("ticket_assign_me", args=[ticket.pk]))
    shown.feed(client.get(reverse("ticket", args=[ticket.pk])).text)
    services.assign_ticket(ticket=ticket, assignee=supervisor, actor=supervisor)
    response = client.post(reverse("ticket_assign_me", args=[ticket.pk]), shown.data, HTTP_HX_REQUEST="true")
    ticket.refresh_from_db()
    assert ticket.assignee_id == supervisor.pk
    assert "someone else assigned" in response.text
    assert f'<option value="{supervisor.pk}" selected>' in response.text  # the current assignee
    # Taking it over after seeing who has it is a deliberate choice, and works.
    shown.feed(response.text)
    client.post(reverse("ticket_assign_me", args=[ticket.pk]), shown.data, HTTP_HX_REQUEST="true")
    ticket.refresh_from_db()
    assert ticket.assignee_id == agent.pk


def test_internal_note_is_added_and_shown(client: Client, agent: Any) -> None:
    ticket = TicketFactory.create()
    client.force_login(agent)
    response = client.post(
        reverse("ticket_note", args=[ticket.pk]), {"body": "Called the customer."}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "Called the customer." in response.text
    note = Message.objects.get(ticket=ticket)
    assert note.direction == "note" and note.author == agent
    assert AuditEvent.objects.filter(action="ticket.note_added", ticket_id=ticket.pk).exists()


def test_empty_note_is_refused_with_a_message(client: Client, agent: Any) -> None:
    ticket = TicketFactory.create()
    client.force_login(agent)
    response = client.post(reverse("ticket_note", args=[ticket.pk]), {"body": "   "}, HTTP_HX_REQUEST="true")
    assert "This field is required." in response.text
    assert not Message.objects.filter(ticket=ticket).exists()


def test_merge_moves_messages_and_closes_the_source(client: Client, agent: Any) -> None:
    source = MessageFactory.create().ticket
    target = MessageFactory.create().ticket
    client.force_login(agent)
    response = client.post(reverse("ticket_merge", args=[source.pk]), {"target": target.pk})
    assert response.status_code == 302 and response["Location"] == reverse("ticket", args=[target.pk])
    source.refresh_from_db()
    assert source.merged_into_id == target.pk and source.status == "closed"
    assert target.messages.count() == 2
    # Opening the merged ticket leads to the one it was merged into.
    assert client.get(reverse("ticket", args=[source.pk]))["Location"] == reverse("ticket", args=[target.pk])


def test_merge_into_a_hidden_or_missing_ticket_is_answered_beside_the_field(
    client: Client, agent: Any, hidden_ticket: Ticket
) -> None:
    source = MessageFactory.create().ticket
    client.force_login(agent)
    answers = []
    for number in (hidden_ticket.pk, 987654321):
        response = client.post(reverse("ticket_merge", args=[source.pk]), {"target": number})
        assert response.status_code == 400
        html = response.text
        error = f"There is no ticket #{number} that you can see."
        assert f'<p class="error" id="id_target_error" role="alert">{error}</p>' in html
        assert f'value="{number}"' in html and 'aria-invalid="true"' in html
        answers.append(html.replace(str(number), "N"))
    assert Message.objects.get().ticket_id == source.pk
    # A hidden ticket and one that does not exist get the same answer: nothing reveals that it exists.
    assert answers[0].count("There is no ticket") == answers[1].count("There is no ticket")


def test_merge_into_itself_is_refused(client: Client, agent: Any) -> None:
    ticket = TicketFactory.create()
    client.force_login(agent)
    response = client.post(reverse("ticket_merge", args=[ticket.pk]), {"target": ticket.pk}, follow=True)
    assert "cannot be merged into itself" in response.text


def test_next_ticket_follows_the_inbox_order(client: Client, agent: Any) -> None:
    import datetime as dt

    from django.utils import timezone

    now = timezone.now()
    first = TicketFactory.create(last_activity_at=now)
    second = TicketFactory.create(last_activity_at=now - dt.timedelta(minutes=1))
    client.force_login(agent)
    response = client.get(reverse("ticket_next", args=[first.pk]))
    assert response["Location"] == reverse("ticket", args=[second.pk])
    last = client.get(reverse("ticket_next", args=[second.pk]))
    assert last["Location"] == reverse("home")


def test_next_ticket_and_back_to_the_inbox_keep_the_queue_and_tag_filters(client: Client, agent: Any) -> None:
    import datetime as dt

    from django.utils import timezone

    now = timezone.now()
    returns, orders = QueueFactory.create(name="Returns"), QueueFactory.create(name="Orders")
    returns.members.add(agent)
    orders.members.add(agent)
    vip = Tag.objects.create(name="vip")
    first = TicketFactory.create(queue=returns, last_activity_at=now)
    second = TicketFactory.create(queue=orders, last_activity_at=now - dt.timedelta(minutes=1))
    third = TicketFactory.create(queue=returns, last_activity_at=now - dt.timedelta(minutes=2))
    for ticket in (first, third):
        ticket.tags.add(vip)
    client.force_login(agent)
    # In the order of the filtered inbox, the ticket after the first is the third: not the second.
    for query in (f"queue={returns.pk}", f"tag={vip.pk}"):
        page = client.get(reverse("ticket", args=[first.pk]) + f"?{query}").text
        assert f'href="{reverse("home")}?{query}"' in page  # "← Inbox" goes back to the filtered list
        response = client.get(reverse("ticket_next", args=[first.pk]) + f"?{query}")
        assert response["Location"] == reverse("ticket", args=[third.pk]) + f"?{query}"
    assert client.get(reverse("ticket_next", args=[first.pk]))["Location"] == reverse(
        "ticket", args=[second.pk]
    )


def _html_message(html: str) -> Message:
    return MessageFactory.create(body_text="fallback", body_html=html)


def test_html_mail_is_shown_in_a_sandboxed_frame_with_its_own_strict_csp(client: Client, agent: Any) -> None:
    message = _html_message('<p onclick="alert(1)">Hej<script>alert(2)</script></p>')
    client.force_login(agent)
    page = client.get(reverse("ticket", args=[message.ticket_id])).text
    assert 'sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"' in page
    assert "allow-scripts" not in page and "alert(" not in page
    body = client.get(reverse("message_body", args=[message.pk]))
    assert body.status_code == 200
    assert "script-src" not in body["Content-Security-Policy"]  # default-src 'none' forbids all script
    assert body["Content-Security-Policy"].startswith("default-src 'none'")
    assert body["X-Frame-Options"] == "SAMEORIGIN"
    assert "<script" not in body.text and "onclick" not in body.text and "Hej" in body.text


def test_message_body_of_a_hidden_ticket_is_404(client: Client, agent: Any, hidden_ticket: Ticket) -> None:
    message = MessageFactory.create(ticket=hidden_ticket, body_html="<p>secret</p>")
    client.force_login(agent)
    assert client.get(reverse("message_body", args=[message.pk])).status_code == 404


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _attachment(
    message: Message, *, content_type: str, content_id: str = "", name: str = "a.bin"
) -> Attachment:
    attachment = Attachment(
        message=message,
        filename=name,
        content_type=content_type,
        size=3,
        sha256="ab" * 32,
        content_id=content_id,
    )
    attachment.file.save(name, ContentFile(b"GIF"), save=True)
    return attachment


def test_cid_images_point_at_the_permission_checked_attachment_view(
    client: Client, agent: Any, media: Path
) -> None:
    message = _html_message('<p>Logo: <img src="cid:logo@kund" alt="logo"></p>')
    image = _attachment(message, content_type="image/gif", content_id="<logo@kund>", name="logo.gif")
    client.force_login(agent)
    body = client.get(reverse("message_body", args=[message.pk])).text
    assert f'src="{reverse("attachment", args=[image.pk])}"' in body
    download = client.get(reverse("attachment", args=[image.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "image/gif"
    assert download.getvalue() == b"GIF"


def test_risky_attachment_types_download_instead_of_rendering(
    client: Client, agent: Any, media: Path
) -> None:
    message = MessageFactory.create()
    svg = _attachment(message, content_type="image/svg+xml", name="x.svg")
    client.force_login(agent)
    response = client.get(reverse("attachment", args=[svg.pk]))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response["Content-Security-Policy"]


def test_attachment_of_a_hidden_ticket_is_404(
    client: Client, agent: Any, hidden_ticket: Ticket, media: Path
) -> None:
    message = MessageFactory.create(ticket=hidden_ticket)
    attachment = _attachment(message, content_type="image/png")
    client.force_login(agent)
    assert client.get(reverse("attachment", args=[attachment.pk])).status_code == 404


def _beat(client: Client, ticket: Ticket, view: str, mode: str = "viewing") -> Any:
    return client.post(reverse("ticket_presence", args=[ticket.pk]), {"view": view, "mode": mode})


def test_presence_shows_who_else_is_on_the_ticket(client: Client, agent: Any, supervisor: Any) -> None:
    ticket = TicketFactory.create()
    other = Client()
    other.force_login(supervisor)
    _beat(other, ticket, "supervisor-view-1", "editing")
    client.force_login(agent)
    response = _beat(client, ticket, "agent-view-1")
    assert "sune is editing" in response.text
    # The supervisor sees the agent, and not themselves.
    seen_by_supervisor = _beat(other, ticket, "supervisor-view-1").text
    assert "agnes is viewing" in seen_by_supervisor and "sune" not in seen_by_supervisor
    # The ticket page itself lists who is there, and gives this rendering its own view id.
    page = other.get(reverse("ticket", args=[ticket.pk]))
    assert "agnes is viewing" in page.text
    assert presence.valid_view_id(page.context["presence_view"])
    assert page.context["presence_view"] in page.text


def test_a_heartbeat_without_a_view_id_is_refused(client: Client, agent: Any) -> None:
    ticket = TicketFactory.create()
    client.force_login(agent)
    assert client.post(reverse("ticket_presence", args=[ticket.pk]), {"mode": "viewing"}).status_code == 400
    assert _beat(client, ticket, "x" * 40).status_code == 400
    assert _beat(client, ticket, "bad key:with spaces").status_code == 400


def test_a_page_that_leaves_disappears_at_once_and_a_late_heartbeat_does_not_bring_it_back(
    client: Client, agent: Any, supervisor: Any
) -> None:
    ticket = TicketFactory.create()
    other = Client()
    other.force_login(supervisor)
    client.force_login(agent)
    _beat(other, ticket, "supervisor-view-1")
    assert "sune" in _beat(client, ticket, "agent-view-1").text
    leave = other.post(reverse("ticket_presence_leave", args=[ticket.pk]), {"view": "supervisor-view-1"})
    assert leave.status_code == 204
    assert "sune" not in _beat(client, ticket, "agent-view-1").text
    # A heartbeat that was on its way when the page left arrives afterwards: ignored.
    _beat(other, ticket, "supervisor-view-1")
    assert "sune" not in _beat(client, ticket, "agent-view-1").text
    # The same person in another tab (another view) is still seen.
    _beat(other, ticket, "supervisor-view-2")
    assert "sune is viewing" in _beat(client, ticket, "agent-view-1").text


def test_leave_racing_a_heartbeat_never_leaves_a_ghost(agent: Any, supervisor: Any) -> None:
    """``leave`` lands between the heartbeat's tombstone check and its write, or right after the write:
    either way the view is gone when both are done."""
    ticket = TicketFactory.create()
    original_set = presence.cache.set

    for leave_before_write in (True, False):
        view = f"racing-view-{leave_before_write}"
        cache.clear()

        def racing_set(
            key: str, value: Any, *args: Any, _view: str = view, _first: bool = leave_before_write, **kw: Any
        ) -> None:
            if key.endswith(f":view:{_view}"):
                if _first:
                    presence.leave(ticket_id=ticket.pk, view=_view)
                original_set(key, value, *args, **kw)
                if not _first:
                    presence.leave(ticket_id=ticket.pk, view=_view)
                return
            original_set(key, value, *args, **kw)

        with mock.patch.object(presence.cache, "set", side_effect=racing_set):
            presence.heartbeat(ticket_id=ticket.pk, view=view, user=supervisor)
        assert presence.others(ticket_id=ticket.pk, user=agent) == [], leave_before_write


def test_heartbeats_expire_and_one_person_with_two_tabs_is_listed_once(
    agent: Any, supervisor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = TicketFactory.create()
    cache.clear()
    clock = [1_000_000.0]
    monkeypatch.setattr(presence, "_now", lambda: clock[0])
    presence.heartbeat(ticket_id=ticket.pk, view="supervisor-tab-1", user=supervisor)
    presence.heartbeat(ticket_id=ticket.pk, view="supervisor-tab-2", user=supervisor, mode="editing")
    seen = presence.others(ticket_id=ticket.pk, user=agent)
    assert [(p.name, p.mode) for p in seen] == [("sune", "editing")]
    clock[0] += presence.STALE_AFTER - 1
    assert presence.others(ticket_id=ticket.pk, user=agent)
    clock[0] += 1  # fifteen seconds without a heartbeat: gone, though the cache still holds the entry
    assert presence.others(ticket_id=ticket.pk, user=agent) == []


def test_two_views_joining_at_once_both_appear_by_their_next_heartbeat(agent: Any, supervisor: Any) -> None:
    """The roster is read, changed and written; two joins racing can lose one, and the next heartbeat
    of the lost view puts it back."""
    ticket = TicketFactory.create()
    cache.clear()
    roster_key = f"presence:ticket:{ticket.pk}"
    presence.heartbeat(ticket_id=ticket.pk, view="agent-view-1", user=agent)
    presence.cache.set(roster_key, [])  # as if a racing writer had overwritten it with its own list
    presence.heartbeat(ticket_id=ticket.pk, view="supervisor-view-1", user=supervisor)
    assert presence.others(ticket_id=ticket.pk, user=supervisor) == []  # the agent was lost ...
    presence.heartbeat(ticket_id=ticket.pk, view="agent-view-1", user=agent)
    assert [p.name for p in presence.others(ticket_id=ticket.pk, user=supervisor)] == ["agnes"]
    assert [p.name for p in presence.others(ticket_id=ticket.pk, user=agent)] == ["sune"]


def test_contact_s_other_tickets_are_listed(client: Client, agent: Any, hidden_ticket: Ticket) -> None:
    ticket = TicketFactory.create()
    older = TicketFactory.create(contact=ticket.contact, subject="Earlier question")
    hidden_ticket.contact = ticket.contact
    hidden_ticket.save()
    client.force_login(agent)
    html = client.get(reverse("ticket", args=[ticket.pk])).text
    assert f"#{older.pk} Earlier question" in html and "Hidden" not in html


def test_erp_context_shows_the_customer_s_orders_and_shipments(client: Client, agent: Any) -> None:
    from integrations.demo_data import seed_erp

    seed_erp()
    ticket = TicketFactory.create(contact=ContactFactory.create(email="inkop@bergstrom-bygg.se"))
    client.force_login(agent)
    response = client.get(reverse("ticket_erp", args=[ticket.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="erp"' in response.text
    assert "Order 100231" in response.text and "PostNord" in response.text
    # Without JavaScript the same context is a page of its own.
    assert "Order 100231" in client.get(reverse("ticket_erp", args=[ticket.pk])).text


def test_erp_context_without_a_matching_customer_says_so(client: Client, agent: Any) -> None:
    ticket = TicketFactory.create()
    client.force_login(agent)
    response = client.get(reverse("ticket_erp", args=[ticket.pk]), HTTP_HX_REQUEST="true")
    assert "No ERP customer matches this contact." in response.text


def test_erp_outage_is_a_clear_note_not_an_error(client: Client, agent: Any, monkeypatch: Any) -> None:
    from integrations.base import Unavailable

    class Down:
        def find_customer(self, **kwargs: Any) -> Any:
            raise Unavailable("timeout")

    monkeypatch.setattr("helpdesk.web.erp_context.get_connector", lambda: Down())
    ticket = TicketFactory.create()
    client.force_login(agent)
    response = client.get(reverse("ticket_erp", args=[ticket.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "ERP unavailable" in response.text


def test_thread_escapes_everything_a_sender_or_an_operator_wrote(
    client: Client, agent: Any, media: Path
) -> None:
    """The conversation is written in Python (web.thread_html), not by the template's auto-escaping."""
    ticket = TicketFactory.create()
    inbound = MessageFactory.create(
        ticket=ticket,
        from_address='"<b>Eva</b>" <eva@kund.example>',
        to_addresses=["<i>support</i>@example"],
        cc_addresses=["a&b@example"],
        body_text="<script>alert(1)</script>\nLine two",
        visible_text="<script>alert(1)</script>\nLine two",
        quoted_text="> <img src=x onerror=alert(2)>",
        is_auto_reply=True,
    )
    _attachment(inbound, content_type="image/png", name="<svg onload=alert(3)>.png")
    author = UserFactory.create(first_name="<u>Olle</u>", last_name="")
    MessageFactory.create(ticket=ticket, direction="note", author=author, body_text="n", visible_text="n")
    MessageFactory.create(ticket=ticket, direction="note", author=None, body_text="gone", visible_text="")
    client.force_login(agent)
    html = client.get(reverse("ticket", args=[ticket.pk])).text
    for raw in ("<script>alert(1)", "<img src=x", "<svg onload", "<b>Eva", "<i>support", "<u>Olle"):
        assert raw not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>Line two" in html
    assert "&gt; &lt;img src=x onerror=alert(2)&gt;" in html and "Show quoted text" in html
    assert "&quot;&lt;b&gt;Eva&lt;/b&gt;&quot; &lt;eva@kund.example&gt;" in html
    assert "to &lt;i&gt;support&lt;/i&gt;@example" in html and "cc a&amp;b@example" in html
    assert "&lt;u&gt;Olle&lt;/u&gt;" in html and "<strong>Unknown</strong>" in html
    assert "Automatic reply" in html and "&lt;svg onload=alert(3)&gt;.png" in html
    attachment = Attachment.objects.get(message=inbound)
    assert f'<a href="{reverse("attachment", args=[attachment.pk])}">' in html
    assert html.count('<article class="message ') == 3


def test_hand_written_form_controls_match_the_forms(client: Client, agent: Any) -> None:
    """The note, merge and properties controls are written out in the template, not by Django's widgets."""
    from helpdesk.web.forms import MergeForm, NoteForm, TicketPropertiesForm

    ticket = TicketFactory.create()
    client.force_login(agent)
    html = client.get(reverse("ticket", args=[ticket.pk])).text
    body = cast(forms.CharField, NoteForm.base_fields["body"])
    assert f'<textarea name="body" rows="3" maxlength="{body.max_length}" required id="id_body"' in html
    target = cast(forms.IntegerField, MergeForm.base_fields["target"])
    limits = f'min="{target.min_value}" max="{target.max_value}"'
    assert f'<input type="number" name="target" {limits} required id="id_target"' in html
    tags = cast(forms.CharField, TicketPropertiesForm.base_fields["tags"])
    assert f'name="tags" value="" maxlength="{tags.max_length}" id="id_tags"' in html
    assert '<option value="new" selected>New</option>' in html and '<option value="2" selected>' in html
    for helptext in ("id_body_helptext", "id_target_helptext", "id_tags_helptext"):
        assert f'aria-describedby="{helptext}"' in html and f'id="{helptext}"' in html
    response = client.post(
        reverse("ticket_note", args=[ticket.pk]), {"body": "x" * 20_001}, HTTP_HX_REQUEST="true"
    )
    assert 'aria-invalid="true"' in response.text and 'id="id_body_error"' in response.text
    assert ">" + "x" * 20_001 + "</textarea>" in response.text  # what was typed is kept
    response = client.post(
        reverse("ticket_update", args=[ticket.pk]), {"status": "bogus", "priority": 2}, HTTP_HX_REQUEST="true"
    )
    assert '<select name="status" id="id_status" aria-invalid="true" aria-describedby="id_status_error">' in (
        response.text
    )


def _ticket_queries(client: Client, ticket: Ticket) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("ticket", args=[ticket.pk])).status_code == 200
    return len(queries)


def test_ticket_page_query_count_does_not_grow_with_messages(client: Client, agent: Any, media: Path) -> None:
    ticket = TicketFactory.create()
    client.force_login(agent)
    _attachment(MessageFactory.create(ticket=ticket), content_type="image/png")
    _ticket_queries(client, ticket)  # a session's first request writes its bookkeeping
    one = _ticket_queries(client, ticket)
    for i in range(30):
        message = MessageFactory.create(ticket=ticket, direction="note" if i % 3 else "inbound")
        message.author = UserFactory.create()
        message.save()
        _attachment(message, content_type="image/png", name=f"{i}.png")
        TicketFactory.create(contact=ticket.contact)
    assert _ticket_queries(client, ticket) == one
