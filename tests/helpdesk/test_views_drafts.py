"""The draft review panel: cited facts, edit, approve with undo, reject, regenerate, policy, stale saves."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from delivery.models import OutboundMessage
from drafts.models import Draft
from helpdesk.models import AuditEvent, Message, Queue, Ticket
from tests.drafts.helpers import customer_message, draft_for

pytestmark = pytest.mark.django_db


def _post(client: Client, name: str, draft: Draft, **data: Any) -> Any:
    return client.post(reverse(name, args=[draft.pk]), data, HTTP_HX_REQUEST="true")


def test_panel_shows_the_draft_its_cited_facts_and_recipients(
    client: Client, member: Any, clean_draft: Draft
) -> None:
    client.force_login(member)
    html = client.get(reverse("ticket", args=[clean_draft.ticket_id])).text
    assert 'id="draft-panel"' in html and "Approve and send" in html
    citation = clean_draft.citations.exclude(source_url="").first()
    assert citation is not None and citation.source_url in html  # each fact links to its source
    assert "Cited facts" in html and citation.value in html
    assert clean_draft.in_reply_to.from_address in html
    assert 'class="verified"' in html


def test_unverified_claims_are_highlighted_and_need_a_supervisor(
    client: Client, member: Any, clean_draft: Draft
) -> None:
    client.force_login(member)
    response = _post(
        client,
        "draft_save",
        clean_draft,
        subject=clean_draft.subject,
        body=clean_draft.body + "\nYour order 999111 ships on 2031-01-05.",
        version=clean_draft.version,
    )
    assert response.status_code == 200
    assert '<mark class="unverified"' in response.text and "999111" in response.text
    assert "A supervisor must approve this draft" in response.text
    assert "Your changes to the AI text" in response.text  # the diff against the AI text


def test_an_unverified_number_in_the_subject_is_highlighted_and_needs_a_supervisor(
    client: Client, member: Any, clean_draft: Draft
) -> None:
    client.force_login(member)
    response = _post(
        client,
        "draft_save",
        clean_draft,
        subject=f"{clean_draft.subject} (order 999111)",
        body=clean_draft.body,
        version=clean_draft.version,
    )
    assert response.status_code == 200
    note = "Not found in any retrieved fact: check before sending."
    assert f'<mark class="unverified" title="{note}">999111</mark>' in response.text
    assert "A supervisor must approve this draft" in response.text
    assert "1 claim(s) in the text match no retrieved fact." in response.text


CUSTOMER_NOTE = "The customer&#x27;s own figure, as they wrote it: not checked against the ERP."


def test_an_amount_only_the_customer_wrote_is_marked_as_theirs_not_verified(
    client: Client, member: Any, customer_amount_draft: Draft
) -> None:
    client.force_login(member)
    html = client.get(reverse("ticket", args=[customer_amount_draft.ticket_id])).text
    assert f'<mark class="customer-stated" title="{CUSTOMER_NOTE}">5 000</mark>' in html
    # The order number in the same sentence is the ERP's, and shown as verified with its fact.
    assert re.search(
        r'för order <span class="verified" title="Verified against the facts[^"]*">100231</span>\.', html
    )
    assert not re.search(r'<span class="verified"[^>]*>5 000</span>', html)
    legend = re.search(r'<small class="legend">.*?</small>', html, re.S)
    assert legend and 'class="customer-stated"' in legend[0] and "as the customer wrote" in legend[0]
    # Repeating a sum nobody checked is a money risk: a supervisor approves it, and says why.
    assert "A supervisor must approve this draft" in html
    assert "Risk: Amount only the customer stated." in html


def test_a_customer_stated_unknown_order_number_is_marked_and_goes_to_a_supervisor(
    client: Client, member: Any, seeded: None
) -> None:
    message = customer_message(
        sender="inkop@bergstrom-bygg.se", subject="Order", body="Hej, var är order 999999?"
    )
    draft = draft_for(message)
    # The reply says it cannot find the order; whatever else it states is verified.
    assert {c["state"] for c in draft.claims if c["text"] == "999999"} == {"customer"}, [
        c for c in draft.claims if c["text"] == "999999"
    ]
    assert {c["state"] for c in draft.claims if c["text"] != "999999"} <= {"verified"}, draft.claims
    client.force_login(member)
    html = client.get(reverse("ticket", args=[draft.ticket_id])).text
    assert f'<mark class="customer-stated" title="{CUSTOMER_NOTE}">999999</mark>' in html
    # Quoting the customer's number back is fine; a number the ERP does not know needs a person
    # who can call the customer (issue 15: unknown numbers are routed to a supervisor).
    assert "A supervisor must approve" in html and "Risk: A number the ERP does not know." in html
    assert 'aria-describedby="approve-why"' in html
    _post(client, "draft_approve", draft, version=draft.version)
    assert Draft.objects.get(pk=draft.pk).status != Draft.Status.APPROVED


def test_the_customer_stated_mark_and_legend_in_swedish(
    client: Client, member: Any, customer_amount_draft: Draft
) -> None:
    client.force_login(member)
    client.cookies["django_language"] = "sv"
    html = client.get(reverse("ticket", args=[customer_amount_draft.ticket_id])).text
    note = "Kundens egen uppgift, som kunden skrev den: inte kontrollerad mot ERP-systemet."
    assert f'<mark class="customer-stated" title="{note}">5 000</mark>' in html
    assert f'<mark class="customer-stated" title="{note}">enligt kunden</mark>' in html
    assert '<span class="verified">kontrollerat</span>' in html
    assert "Risk: Belopp som bara kunden har angett." in html


def test_agent_edits_and_approves_and_the_reply_waits_for_the_undo_window(
    client: Client, member: Any, clean_draft: Draft, settings: Any
) -> None:
    settings.HELPDESK_UNDO_SECONDS = 10
    client.force_login(member)
    body = clean_draft.body.replace("Hej", "Hej igen", 1)
    before = timezone.now()
    response = _post(
        client,
        "draft_approve",
        clean_draft,
        subject=clean_draft.subject,
        body=body,
        version=clean_draft.version,
    )
    assert response.status_code == 200, response.text
    draft = Draft.objects.get(pk=clean_draft.pk)
    assert draft.status == Draft.Status.APPROVED and draft.body == body.strip()
    outbound = OutboundMessage.objects.get(draft=draft)
    assert outbound.status == "queued" and outbound.body_text == body.strip()
    assert outbound.release_at is not None
    assert (
        before + dt.timedelta(seconds=9) <= outbound.release_at <= timezone.now() + dt.timedelta(seconds=10)
    )
    # The panel shows what will be sent and offers undo.
    assert (
        "Undo" in response.text
        and outbound.to_addresses[0] in response.text
        and "Sending in" in response.text
    )
    actions = list(AuditEvent.objects.filter(object_id=str(draft.pk)).values_list("action", flat=True))
    assert "draft.edited" in actions and "draft.approved" in actions


def test_undo_within_the_window_cancels_the_reply(client: Client, member: Any, clean_draft: Draft) -> None:
    client.force_login(member)
    _post(client, "draft_approve", clean_draft, version=clean_draft.version)
    draft = Draft.objects.get(pk=clean_draft.pk)
    outbound_id = draft.outbound_id
    response = _post(client, "draft_undo", draft)
    assert response.status_code == 200 and "Approval undone" in response.text
    draft.refresh_from_db()
    assert draft.status == Draft.Status.READY and draft.outbound_id is None
    assert OutboundMessage.objects.get(pk=outbound_id or 0).status == "cancelled"
    assert not Message.objects.filter(ticket=draft.ticket, direction="outbound").exists()
    ticket = Ticket.objects.get(pk=draft.ticket_id)
    assert ticket.first_response_at is None
    # It can be approved again afterwards.
    _post(client, "draft_approve", draft, version=draft.version)
    assert Draft.objects.get(pk=draft.pk).status == Draft.Status.APPROVED


def test_undo_after_the_window_is_refused(client: Client, member: Any, clean_draft: Draft) -> None:
    client.force_login(member)
    _post(client, "draft_approve", clean_draft, version=clean_draft.version)
    draft = Draft.objects.get(pk=clean_draft.pk)
    OutboundMessage.objects.filter(draft=draft).update(release_at=timezone.now() - dt.timedelta(seconds=1))
    response = _post(client, "draft_undo", draft)
    assert response.status_code == 409 and "Too late to undo" in response.text
    assert OutboundMessage.objects.get(draft=draft).status == "queued"


def test_flagged_draft_is_refused_for_an_agent_and_approved_by_a_supervisor(
    client: Client, member: Any, supervisor: Any, flagged_draft: Draft
) -> None:
    client.force_login(member)
    page = client.get(reverse("ticket", args=[flagged_draft.ticket_id])).text
    assert "A supervisor must approve this draft" in page and "disabled" in page
    refused = _post(client, "draft_approve", flagged_draft, version=flagged_draft.version)
    assert refused.status_code == 409 and "A supervisor must approve this draft." in refused.text
    assert Draft.objects.get(pk=flagged_draft.pk).status == Draft.Status.READY
    assert not OutboundMessage.objects.exists()
    client.force_login(supervisor)
    approved = _post(client, "draft_approve", flagged_draft, version=flagged_draft.version)
    assert approved.status_code == 200
    assert Draft.objects.get(pk=flagged_draft.pk).status == Draft.Status.APPROVED


def test_a_save_on_a_changed_draft_is_refused_and_keeps_the_operator_s_text(
    client: Client, member: Any, supervisor: Any, clean_draft: Draft
) -> None:
    other = Client()
    other.force_login(supervisor)
    _post(other, "draft_save", clean_draft, subject="Theirs", body="Their text", version=clean_draft.version)
    client.force_login(member)
    response = _post(
        client, "draft_save", clean_draft, subject="Mine", body="My text", version=clean_draft.version
    )
    assert response.status_code == 409
    assert "changed by someone else" in response.text
    assert "My text" in response.text  # nothing the operator typed is lost
    draft = Draft.objects.get(pk=clean_draft.pk)
    assert draft.body == "Their text"  # and nothing was overwritten
    # A second, deliberate save after seeing the conflict goes through.
    again = _post(client, "draft_save", draft, subject="Mine", body="My text", version=draft.version)
    assert again.status_code == 200 and Draft.objects.get(pk=draft.pk).body == "My text"


def test_approving_a_stale_version_is_refused(client: Client, member: Any, clean_draft: Draft) -> None:
    client.force_login(member)
    response = _post(client, "draft_approve", clean_draft, version=clean_draft.version - 1)
    assert response.status_code == 409 and not OutboundMessage.objects.exists()


def test_reject_needs_a_reason(client: Client, member: Any, clean_draft: Draft) -> None:
    client.force_login(member)
    assert (
        _post(client, "draft_reject", clean_draft, reason=" ", version=clean_draft.version).status_code == 400
    )
    response = _post(client, "draft_reject", clean_draft, reason="Wrong order", version=clean_draft.version)
    assert response.status_code == 200 and "Wrong order" in response.text
    assert Draft.objects.get(pk=clean_draft.pk).status == Draft.Status.REJECTED


def test_regenerate_with_an_instruction_starts_a_new_draft(
    client: Client, member: Any, clean_draft: Draft, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=False):
        response = _post(
            client, "draft_regenerate", clean_draft, instruction="shorter", version=clean_draft.version
        )
    new = Draft.objects.get(supersedes=clean_draft)
    assert new.status == Draft.Status.GENERATING and new.instruction == "shorter"
    assert "being written" in response.text and 'hx-trigger="every 2s"' in response.text


def test_regenerate_from_a_stale_page_keeps_a_colleague_s_edit(
    client: Client, member: Any, clean_draft: Draft
) -> None:
    client.force_login(member)
    seen = clean_draft.version
    page = client.get(reverse("ticket", args=[clean_draft.ticket_id])).text
    assert f'<input type="hidden" name="version" value="{seen}">' in page.split("draft-regenerate")[1]
    edited = _post(
        client,
        "draft_save",
        clean_draft,
        subject=clean_draft.subject,
        body=clean_draft.body + "\nA colleague's careful addition.",
        version=seen,
    )
    assert edited.status_code == 200
    response = _post(client, "draft_regenerate", clean_draft, instruction="shorter", version=seen)
    assert response.status_code == 409
    draft = Draft.objects.get(pk=clean_draft.pk)
    assert draft.status == Draft.Status.EDITED and "careful addition" in draft.body
    assert not Draft.objects.filter(supersedes=clean_draft).exists()


def test_flags_and_intent_are_shown_in_the_operator_s_language(
    client: Client, member: Any, flagged_draft: Draft
) -> None:
    from drafts.models import Flag, Intent
    from helpdesk.models import OperatorProfile

    Ticket.objects.filter(pk=flagged_draft.ticket_id).update(intent=Intent.RETURN_COMPLAINT)
    OperatorProfile.objects.update_or_create(user=member, defaults={"language": "sv"})
    client.force_login(member)
    page = client.get(reverse("ticket", args=[flagged_draft.ticket_id])).text
    inbox = client.get(reverse("home")).text
    with translation.override("sv"):
        labels = [str(Flag(flag).label) for flag in flagged_draft.flags]
        intent = str(Intent.RETURN_COMPLAINT.label)
    for flag, label in zip(flagged_draft.flags, labels, strict=True):
        assert f'<li class="flag">{label}</li>' in page and f">{flag}<" not in page
    assert (
        intent == "Reklamation / skada"
        and f"<dd>{intent}</dd>" in page
        and f'<td data-label="Ärendetyp">{intent}</td>' in inbox
    )
    assert ">return_complaint<" not in page + inbox


def test_without_javascript_actions_redirect_and_refusals_render_the_page(
    client: Client, member: Any, flagged_draft: Draft
) -> None:
    client.force_login(member)
    saved = client.post(
        reverse("draft_save", args=[flagged_draft.pk]),
        {"subject": "S", "body": "Plain new text", "version": flagged_draft.version},
    )
    assert saved.status_code == 302
    draft = Draft.objects.get(pk=flagged_draft.pk)
    refused = client.post(reverse("draft_approve", args=[draft.pk]), {"version": draft.version})
    assert (
        refused.status_code == 409 and "<html" in refused.text and "A supervisor must approve" in refused.text
    )


@pytest.mark.parametrize(
    "name", ["draft_save", "draft_approve", "draft_reject", "draft_regenerate", "draft_undo"]
)
def test_draft_actions_on_a_hidden_ticket_are_404(
    client: Client, agent: Any, clean_draft: Draft, name: str
) -> None:
    # The agent is not a member of the demo queue here.
    client.force_login(agent)
    response = client.post(
        reverse(name, args=[clean_draft.pk]), {"version": clean_draft.version, "reason": "x"}
    )
    assert response.status_code == 404
    assert Draft.objects.get(pk=clean_draft.pk).version == clean_draft.version


def test_outsider_gets_403_on_draft_actions(client: Client, outsider: Any, clean_draft: Draft) -> None:
    client.force_login(outsider)
    assert client.post(reverse("draft_approve", args=[clean_draft.pk])).status_code == 403
    assert client.get(reverse("ticket_draft", args=[clean_draft.ticket_id])).status_code == 403


def test_inbox_marks_waiting_and_flagged_drafts_and_filters_them(
    client: Client, supervisor: Any, clean_draft: Draft, flagged_draft: Draft
) -> None:
    client.force_login(supervisor)
    html = client.get(reverse("home"), {"status": ""}).text
    assert "Draft waiting" in html and "Draft flagged" in html
    review = [t["id"] for t in client.get(reverse("home"), {"view": "review"}).context["page"].tickets]
    assert sorted(review) == sorted([clean_draft.ticket_id, flagged_draft.ticket_id])
    flagged = [t["id"] for t in client.get(reverse("home"), {"view": "flagged"}).context["page"].tickets]
    assert flagged == [flagged_draft.ticket_id]


def test_dashboard_shows_approval_rate_and_edit_distance_per_intent(
    client: Client, member: Any, supervisor: Any, clean_draft: Draft, flagged_draft: Draft
) -> None:
    client.force_login(member)
    _post(
        client,
        "draft_approve",
        clean_draft,
        subject=clean_draft.subject,
        body=clean_draft.body + " Tack!",
        version=clean_draft.version,
    )
    _post(client, "draft_reject", flagged_draft, reason="Not like this", version=flagged_draft.version)
    client.force_login(supervisor)
    figures = client.get(reverse("dashboard")).context["figures"]
    rows = {row["intent"]: row for row in figures.drafts["per_intent"]}
    assert rows[clean_draft.intent]["approval_rate"] == 100.0
    assert rows[clean_draft.intent]["mean_edit_distance"] > 0
    assert rows[flagged_draft.intent]["rejected"] == 1


def test_ticket_page_with_a_draft_has_a_constant_query_count(
    client: Client, member: Any, seeded: None
) -> None:
    def queries(ticket: Ticket) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("ticket", args=[ticket.pk])).status_code == 200
        # The mail the draft answers comes from the conversation: the messages table is touched once.
        assert sum('"helpdesk_message"' in query["sql"] for query in captured) == 1
        return len(captured)

    client.force_login(member)
    short = customer_message(
        sender="inkop@bergstrom-bygg.se", subject="Order 100231", body="Var är order 100231?"
    )
    draft_for(short)
    long = customer_message(
        sender="inkop@bergstrom-bygg.se",
        subject="Flera ordrar",
        body="Var är order 100231, 100238 och 100245? Och faktura 55015?",
    )
    many = draft_for(long)
    assert many.citations.count() != Draft.objects.get(in_reply_to=short).citations.count()
    Ticket.objects.filter(pk__in=[short.ticket_id, long.ticket_id]).update(queue=Queue.objects.first())
    queries(short.ticket)  # a session's first request writes its bookkeeping (idle clock, 2FA state)
    assert queries(short.ticket) == queries(long.ticket)
