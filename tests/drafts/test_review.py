"""Review services: scheduling, edit, approve, reject, regenerate; policy, optimistic locking, audit."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.utils import timezone
from django_q.models import OrmQ

from delivery.models import OutboundMessage
from drafts import generation, selectors, services, tasks
from drafts.models import Draft, Flag, ReplyMemory, ReviewPolicy
from helpdesk.mail.message_ids import ticket_id_from_message_id
from helpdesk.models import AuditEvent, Message, Ticket
from tests.drafts.helpers import audit_actions, customer_message, draft_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_schedule_draft_enqueues_one_task_on_the_mail_cluster(
    demo_message: Any, django_capture_on_commit_callbacks: Any
) -> None:
    message = demo_message("Var är min order 100231?")
    with django_capture_on_commit_callbacks(execute=True):
        generation.schedule_draft(message_id=message.pk)
        generation.schedule_draft(message_id=message.pk)
    draft = Draft.objects.get(in_reply_to=message)
    assert draft.status == Draft.Status.GENERATING
    queued = [task for task in OrmQ.objects.all() if task.func() == generation.TASK]
    assert [(task.key, task.args()) for task in queued] == [("mail", (draft.pk,))]
    assert tasks.generate_draft(draft.pk) == Draft.Status.READY
    assert tasks.generate_draft(draft.pk) == Draft.Status.READY  # a duplicate task changes nothing
    assert Draft.objects.filter(in_reply_to=message).count() == 1
    assert audit_actions(draft) == ["draft.requested", "draft.ready"]


def test_no_draft_for_our_own_or_automatic_messages(demo_message: Any) -> None:
    message = demo_message("Var är min order 100231?")
    message.is_auto_reply = True
    message.save()
    generation.schedule_draft(message_id=message.pk)
    assert not Draft.objects.exists()


def test_a_newer_customer_message_supersedes_the_open_draft(demo_message: Any) -> None:
    first = demo_message("Var är min order 100231?")
    old = draft_for(first)
    newer = Message.objects.create(
        ticket=first.ticket,
        direction=Message.Direction.INBOUND,
        from_address=first.from_address,
        subject="Re: Var är min order 100231?",
        body_text="Och faktura 55015, kan ni skicka en kopia?",
        visible_text="Och faktura 55015, kan ni skicka en kopia?",
    )
    generation.schedule_draft(message_id=newer.pk)
    old.refresh_from_db()
    assert old.status == Draft.Status.SUPERSEDED
    assert audit_actions(old)[-1] == "draft.superseded"


def test_agent_cannot_approve_a_flagged_draft_but_a_supervisor_can(
    demo_message: Any, agent: Any, supervisor: Any
) -> None:
    draft = draft_for(demo_message("Skadat gods i order 100238"))
    assert Flag.MONEY in draft.flags
    with pytest.raises(services.NotAllowed) as refused:
        services.approve_draft(draft=draft, user=agent, expected_version=draft.version)
    assert any("Refund or money" in reason for reason in refused.value.reasons)
    assert not OutboundMessage.objects.exists()
    approved = services.approve_draft(draft=draft, user=supervisor, expected_version=draft.version)
    assert approved.status == Draft.Status.APPROVED
    assert approved.approved_by == supervisor
    event = AuditEvent.objects.get(action="draft.approved")
    assert event.actor == supervisor
    assert event.data["supervisor_reasons"]


def test_approval_queues_exactly_one_reply_even_when_called_twice(demo_message: Any, agent: Any) -> None:
    message = demo_message("Var är min order 100231?")
    draft = draft_for(message)
    assert not draft.flags, draft.flags
    first = services.approve_draft(draft=draft, user=agent, expected_version=draft.version)
    second = services.approve_draft(draft=draft, user=agent, expected_version=draft.version)
    assert first.outbound_id == second.outbound_id
    outbound = OutboundMessage.objects.get()
    assert outbound.status == OutboundMessage.Status.QUEUED
    assert outbound.idempotency_key == f"draft:{draft.pk}:v{draft.version}"
    assert ticket_id_from_message_id(outbound.message_id) == message.ticket_id
    assert outbound.in_reply_to == message.message_id
    assert outbound.references.split()[-1] == message.message_id
    assert outbound.to_addresses == [message.from_address]
    assert outbound.subject == draft.subject
    assert outbound.body_text == draft.body
    reply = outbound.ticket_message
    assert reply is not None
    assert (reply.direction, reply.message_id, reply.author) == (
        Message.Direction.OUTBOUND,
        outbound.message_id,
        agent,
    )
    ticket = Ticket.objects.get(pk=message.ticket_id)
    assert ticket.status == Ticket.Status.PENDING
    assert ticket.first_response_at is None  # set when the reply is sent, not when it is approved
    assert AuditEvent.objects.filter(action="draft.approved").count() == 1
    assert AuditEvent.objects.filter(action="outbound.queued").count() == 1


def test_edit_refuses_a_stale_version_and_keeps_every_revision(demo_message: Any, agent: Any) -> None:
    draft = draft_for(demo_message("Var är min order 100231?"))
    version = draft.version
    edited = services.edit_draft(
        draft=draft,
        user=agent,
        subject=draft.subject,
        body=draft.body + "\nTrevlig helg!",
        expected_version=version,
    )
    assert (edited.status, edited.version) == (Draft.Status.EDITED, version + 1)
    with pytest.raises(services.StaleDraft) as stale:
        services.edit_draft(draft=draft, user=agent, subject="x", body="y", expected_version=version)
    assert "changed by someone else" in str(stale.value)
    revisions = list(edited.revisions.order_by("version"))
    assert [(r.kind, r.version) for r in revisions] == [("ai", version), ("edit", version + 1)]
    assert "+Trevlig helg!" in revisions[1].diff
    assert revisions[1].author == agent
    assert edited.ai_body != edited.body  # the AI's text is kept next to the operator's


def test_an_edit_that_adds_an_unknown_number_is_flagged_and_needs_a_supervisor(
    demo_message: Any, agent: Any
) -> None:
    draft = draft_for(demo_message("Var är min order 100231?"))
    body = draft.body.replace("Tack för att du hör av dig", "Order 100999 kommer också fram imorgon. Tack")
    edited = services.edit_draft(
        draft=draft, user=agent, subject=draft.subject, body=body, expected_version=draft.version
    )
    assert Flag.UNVERIFIED in edited.flags
    [claim] = edited.unverified_claims
    assert body[claim["start"] : claim["end"]] == "100999"
    with pytest.raises(services.NotAllowed):
        services.approve_draft(draft=edited, user=agent, expected_version=edited.version)


def test_reject_needs_a_reason_and_is_audited(demo_message: Any, agent: Any) -> None:
    draft = draft_for(demo_message("Var är min order 100231?"))
    with pytest.raises(services.InvalidInput):
        services.reject_draft(draft=draft, user=agent, reason="  ")
    rejected = services.reject_draft(
        draft=draft, user=agent, reason="Fel ton", expected_version=draft.version
    )
    assert (rejected.status, rejected.rejection_reason, rejected.rejected_by) == (
        Draft.Status.REJECTED,
        "Fel ton",
        agent,
    )
    with pytest.raises(services.InvalidState):
        services.approve_draft(draft=rejected, user=agent, expected_version=rejected.version)
    assert audit_actions(draft) == ["draft.requested", "draft.ready", "draft.rejected"]


def test_regenerate_shorter_and_more_formal(
    demo_message: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    draft = draft_for(demo_message("Var är min order 100231?"))
    assert "- 120 ×" in draft.body
    with django_capture_on_commit_callbacks(execute=True):
        new = services.regenerate_draft(draft=draft, user=agent, instruction="Kortare och mer formell, tack")
    assert new.status == Draft.Status.GENERATING
    assert new.supersedes == draft
    assert OrmQ.objects.count() == 1
    new = generation.generate_draft(draft_id=new.pk)
    assert new.status == Draft.Status.READY
    assert "- 120 ×" not in new.body  # shorter: no order lines
    assert new.body.startswith("Bästa Karin,")  # more formal
    assert "Med vänliga hälsningar" in new.body
    draft.refresh_from_db()
    assert draft.status == Draft.Status.SUPERSEDED
    assert audit_actions(draft)[-1] == "draft.superseded"
    assert audit_actions(new) == ["draft.requested", "draft.ready"]


def test_a_new_draft_goes_on_counting_the_reply_s_versions(demo_message: Any, agent: Any) -> None:
    draft = draft_for(demo_message("Var är min order 100231?"))
    edited = services.edit_draft(
        draft=draft, user=agent, subject=draft.subject, body=draft.body + "\nHälsningar", expected_version=1
    )
    assert edited.version == 2
    new = generation.generate_draft(draft_id=services.regenerate_draft(draft=edited, user=agent).pk)
    draft.refresh_from_db()
    # The replaced draft's last version (3: superseded) is the new text's version: one number per reply.
    assert draft.version == 3 and new.version == 3
    assert new.revisions.get().version == 3  # the AI text is listed under the version it became
    with pytest.raises(services.StaleDraft):
        services.edit_draft(draft=new, user=agent, subject="x", body="y", expected_version=2)


def test_an_instruction_the_embedded_drafter_cannot_follow_is_shown(demo_message: Any, agent: Any) -> None:
    draft = draft_for(demo_message("Var är min order 100231?"))
    new = services.regenerate_draft(draft=draft, user=agent, instruction="Nämn vår julkampanj")
    new = generation.generate_draft(draft_id=new.pk)
    assert new.status == Draft.Status.READY
    assert any("Nämn vår julkampanj" in text for text in new.problem_messages())


def test_outsiders_cannot_touch_drafts(demo_message: Any, outsider: Any) -> None:
    draft = draft_for(demo_message("Var är min order 100231?"))
    for call in (
        lambda: services.approve_draft(draft=draft, user=outsider, expected_version=draft.version),
        lambda: services.edit_draft(
            draft=draft, user=outsider, subject="x", body="y", expected_version=draft.version
        ),
        lambda: services.reject_draft(draft=draft, user=outsider, reason="no"),
        lambda: services.regenerate_draft(draft=draft, user=outsider),
    ):
        with pytest.raises(services.NotAllowed):
            call()


def test_policy_is_configurable_in_the_database(demo_message: Any, agent: Any) -> None:
    draft = draft_for(demo_message("Skadat gods i order 100238"))
    ReviewPolicy.objects.all().update(risk_flags_needing_supervisor=[], min_confidence_for_agent=0)
    approved = services.approve_draft(draft=draft, user=agent, expected_version=draft.version)
    assert approved.status == Draft.Status.APPROVED


def test_learning_stats_and_email_memory(demo_message: Any, seeded: None, agent: Any) -> None:
    as_is = draft_for(demo_message("Var är min order 100231?"))
    services.approve_draft(draft=as_is, user=agent, expected_version=as_is.version)
    changed = draft_for(
        customer_message(sender="inkop@bergstrom-bygg.se", subject="Order", body="Var är order 100273?")
    )
    changed = services.edit_draft(
        draft=changed,
        user=agent,
        subject=changed.subject,
        body=changed.body + " Ha en fin dag!",
        expected_version=changed.version,
    )
    changed = services.approve_draft(draft=changed, user=agent, expected_version=changed.version)
    assert changed.edit_distance == len(" Ha en fin dag!")
    stats = {(row["intent"], row["language"]): row for row in selectors.learning_stats()}
    row = stats.get(("delivery_eta", "sv"))
    assert row is not None and row["approved"] == 1 and row["accepted_as_is"] == 1
    order_status = stats[("order_status", "sv")]
    assert (order_status["approved"], order_status["accepted_as_is"]) == (1, 0)
    assert order_status["mean_edit_distance"] == len(" Ha en fin dag!")
    assert (order_status["sent"], order_status["bounced"], order_status["complained"]) == (0, 0, 0)
    from delivery.models import OutboundMessage

    assert changed.outbound_id is not None
    OutboundMessage.objects.filter(pk=changed.outbound_id).update(
        status="bounced", sent_at=changed.approved_at
    )
    order_status = {(r["intent"], r["language"]): r for r in selectors.learning_stats()}[
        ("order_status", "sv")
    ]
    assert (order_status["sent"], order_status["bounced"], order_status["complained"]) == (1, 1, 0)
    assert ReplyMemory.objects.count() == 2
    similar = selectors.similar_replies(text="Var är min leverans av order 100231?", language="sv")
    assert similar and similar[0]["draft_id"] in {as_is.pk, changed.pk}


def test_the_draft_task_runs_through_django_q(
    demo_message: Any, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """django-q2's own worker code (signing, import by dotted path, result saving) runs the task."""
    from django_q.conf import Conf
    from django_q.models import Task

    monkeypatch.setattr(Conf, "SYNC", True)
    message = demo_message("Delivery date for order 100245")
    with django_capture_on_commit_callbacks(execute=True):
        generation.schedule_draft(message_id=message.pk)
    draft = Draft.objects.get(in_reply_to=message)
    assert draft.status == Draft.Status.READY
    task = Task.objects.get(name=f"draft-{draft.pk}")
    assert task.success
    assert task.result == Draft.Status.READY


# Approval's undo window ---------------------------------------------------------------------------
def test_approval_holds_the_reply_for_the_undo_window(demo_message: Any, agent: Any, settings: Any) -> None:
    settings.HELPDESK_UNDO_SECONDS = 30
    draft = draft_for(demo_message("Var är min order 100231?"))
    before = timezone.now()
    approved = services.approve_draft(draft=draft, user=agent, expected_version=draft.version)
    release_at = OutboundMessage.objects.get(draft=approved).release_at
    assert release_at is not None
    assert before + dt.timedelta(seconds=30) <= release_at <= timezone.now() + dt.timedelta(seconds=30)


def test_approval_without_an_undo_window_releases_the_reply_at_once(demo_message: Any, agent: Any) -> None:
    draft = draft_for(demo_message("Var är min order 100231?"))
    approved = services.approve_draft(draft=draft, user=agent, expected_version=draft.version, undo_seconds=0)
    assert OutboundMessage.objects.get(draft=approved).release_at is None
    with pytest.raises(services.UndoRefused):
        services.undo_approval(draft=approved, user=agent)


def test_undo_takes_the_approval_back_and_a_new_approval_queues_a_new_reply(
    demo_message: Any, agent: Any
) -> None:
    draft = draft_for(demo_message("Var är min order 100231?"))
    approved = services.approve_draft(draft=draft, user=agent, expected_version=draft.version)
    first = OutboundMessage.objects.get(draft=approved)
    undone = services.undo_approval(draft=approved, user=agent)
    assert undone.status == Draft.Status.READY and undone.outbound_id is None
    assert undone.version == approved.version + 1 and undone.approved_by is None
    first.refresh_from_db()
    assert first.status == OutboundMessage.Status.CANCELLED
    assert not Message.objects.filter(ticket=draft.ticket, direction=Message.Direction.OUTBOUND).exists()
    assert not ReplyMemory.objects.filter(draft=draft).exists()
    ticket = Ticket.objects.get(pk=draft.ticket_id)
    assert ticket.first_response_at is None and ticket.status != Ticket.Status.PENDING
    assert audit_actions(draft)[-2:] == ["draft.approved", "draft.approval_undone"]
    # Approving again queues a fresh reply; the cancelled one stays cancelled.
    again = services.approve_draft(draft=undone, user=agent, expected_version=undone.version)
    second = OutboundMessage.objects.get(draft=again)
    assert second.pk != first.pk and second.status == OutboundMessage.Status.QUEUED
    assert second.release_at is not None and second.ticket_message_id is not None
    assert Message.objects.filter(ticket=draft.ticket, direction=Message.Direction.OUTBOUND).count() == 1


def test_only_the_approver_or_a_supervisor_may_undo(
    demo_message: Any, agent: Any, supervisor: Any, outsider: Any
) -> None:
    colleague = UserFactory.create(username="kalle", role="agent")
    draft = draft_for(demo_message("Var är min order 100231?"))
    approved = services.approve_draft(draft=draft, user=agent, expected_version=draft.version)
    for user in (colleague, outsider):
        with pytest.raises(services.NotAllowed):
            services.undo_approval(draft=approved, user=user)
    assert OutboundMessage.objects.get().status == OutboundMessage.Status.QUEUED
    assert services.undo_approval(draft=approved, user=supervisor).status == Draft.Status.READY


def test_undo_is_refused_once_the_window_passed_or_the_worker_took_the_reply(
    demo_message: Any, agent: Any
) -> None:
    draft = draft_for(demo_message("Var är min order 100231?"))
    approved = services.approve_draft(draft=draft, user=agent, expected_version=draft.version)
    outbound = OutboundMessage.objects.filter(draft=approved)
    outbound.update(release_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(services.UndoRefused):
        services.undo_approval(draft=approved, user=agent)
    outbound.update(release_at=timezone.now() + dt.timedelta(seconds=30), status="sending")
    with pytest.raises(services.UndoRefused):
        services.undo_approval(draft=approved, user=agent)
    assert Draft.objects.get(pk=draft.pk).status == Draft.Status.APPROVED
    assert Message.objects.filter(ticket=draft.ticket, direction=Message.Direction.OUTBOUND).exists()


class _AppsOfThatMigration:
    """The app registry as drafts 0003 saw it: the audit log was then delivery's (helpdesk 0013 moved it,
    rows and all), so its ``delivery.AuditEvent`` is today's ``helpdesk.AuditEvent``."""

    def get_model(self, app_label: str, model_name: str) -> Any:
        if (app_label, model_name) == ("delivery", "AuditEvent"):
            return django_apps.get_model("helpdesk", "AuditEvent")
        return django_apps.get_model(app_label, model_name)


def test_the_migration_sends_customer_stated_amounts_to_supervisors_where_money_goes() -> None:
    migration = importlib.import_module("drafts.migrations.0003_customer_amount_flag")
    money = ReviewPolicy.objects.create(name="money", risk_flags_needing_supervisor=["refund_or_money"])
    calm = ReviewPolicy.objects.create(name="calm", risk_flags_needing_supervisor=["legal_threat"])
    migration.add_flag(_AppsOfThatMigration(), None)
    money.refresh_from_db()
    calm.refresh_from_db()
    assert money.risk_flags_needing_supervisor == ["refund_or_money", "customer_amount"]
    assert calm.risk_flags_needing_supervisor == ["legal_threat"]
    events = AuditEvent.objects.filter(action="reviewpolicy.changed", object_id=str(money.pk))
    assert [event.data["added"] for event in events] == [["customer_amount"]]
    migration.add_flag(_AppsOfThatMigration(), None)  # running it again changes nothing
    assert events.count() == 1
    assert not AuditEvent.objects.filter(action="reviewpolicy.changed", object_id=str(calm.pk)).exists()


@pytest.mark.parametrize(
    "promise",
    [
        "Vi återbetalar hela ordern och skickar ett presentkort på tvåtusen kronor som kompensation.",
        "Som ett plåster på såren bjuder vi på femhundra kronor.",
        "We will give you a voucher of two thousand five hundred crowns for the trouble.",
        "Vi erkänner att felet är vårt och tar ansvar för skadan.",
    ],
)
def test_an_operator_s_edit_that_promises_money_or_uses_legal_words_needs_a_supervisor(
    demo_message: Any, agent: Any, supervisor: Any, promise: str
) -> None:
    # A clean draft an agent could approve, rewritten by the agent into a promise (issue 18, item 4).
    draft = draft_for(demo_message("Var är min order 100231?"))
    assert not services.policy.supervisor_reasons(draft)
    edited = services.edit_draft(
        draft=draft,
        user=agent,
        subject=draft.subject,
        body=draft.body.replace("Vänliga hälsningar", f"{promise}\n\nVänliga hälsningar"),
        expected_version=draft.version,
    )
    assert {"reply_money", "reply_legal"} & set(edited.flags)
    with pytest.raises(services.NotAllowed) as refused:
        services.approve_draft(draft=edited, user=agent, expected_version=edited.version)
    assert any(reason.startswith("Risk: The reply") for reason in refused.value.reasons)
    approved = services.approve_draft(draft=edited, user=supervisor, expected_version=edited.version)
    assert approved.status == Draft.Status.APPROVED


def test_reply_risk_routes_only_where_the_policy_says_so(demo_message: Any, agent: Any) -> None:
    ReviewPolicy.objects.update(active=False)
    ReviewPolicy.objects.create(name="lenient", risk_flags_needing_supervisor=["legal_threat"])
    draft = draft_for(demo_message("Var är min order 100231?"))
    edited = services.edit_draft(
        draft=draft,
        user=agent,
        subject=draft.subject,
        body=draft.body.replace(
            "Vänliga hälsningar", "Ni får tvåtusen kronor i rabatt.\n\nVänliga hälsningar"
        ),
        expected_version=draft.version,
    )
    assert "reply_money" in edited.flags
    approved = services.approve_draft(draft=edited, user=agent, expected_version=edited.version)
    assert approved.status == Draft.Status.APPROVED


def test_the_return_rules_a_draft_cites_are_not_read_as_the_operator_s_promise(
    demo_message: Any, agent: Any
) -> None:
    draft = draft_for(demo_message("Skadat gods i order 100238"))
    assert "krediterar" in draft.body and "reply_money" not in draft.flags
    edited = services.edit_draft(
        draft=draft,
        user=agent,
        subject=draft.subject,
        body=draft.body.replace("Vi beklagar", "Vi beklagar verkligen"),
        expected_version=draft.version,
    )
    assert "reply_money" not in edited.flags
