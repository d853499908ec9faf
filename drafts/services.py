"""Everything that changes a draft. Each function validates, writes, audits and enqueues follow-up work.
The operator pages and the JSON API call these same functions, so they can do nothing different.

Errors are ``DraftError``s: ``NotAllowed`` (role, visibility or policy), ``StaleDraft`` (the caller's
``expected_version`` is old: someone else changed the draft), ``InvalidState`` (the draft cannot make
that transition; ``UndoRefused`` when the undo window has passed) and ``InvalidInput``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task
from rapidfuzz.distance import Levenshtein

from delivery.audit import audit
from delivery.models import OutboundMessage
from delivery.outbound import queue_reply
from drafts import pipeline, policy
from drafts.models import Citation, Draft, DraftRevision, DraftTrace, Flag, ReplyMemory
from drafts.verify import Claim, verify
from helpdesk import roles
from helpdesk.models import Message, Ticket
from integrations.base import Connector, ConnectorError, Fact

logger = logging.getLogger(__name__)
TASK = "drafts.tasks.generate_draft"
QUEUE = "mail"


class DraftError(Exception):
    """Base of every error a draft service raises; ``str(error)`` is a sentence for the user."""


class NotAllowed(DraftError):
    def __init__(self, message: str, reasons: list[str] | None = None) -> None:
        super().__init__(message)
        self.reasons = reasons or []


class StaleDraft(DraftError):
    """The draft changed since the caller loaded it (optimistic locking on ``Draft.version``)."""

    def __init__(self, *, expected: int, current: int) -> None:
        super().__init__(
            _(
                "This draft was changed by someone else (version %(current)d, you had %(expected)d). "
                "Reload it."
            )
            % {"current": current, "expected": expected}
        )
        self.expected = expected
        self.current = current


class InvalidState(DraftError):
    pass


class InvalidInput(DraftError):
    pass


class UndoRefused(InvalidState):
    """The approval can no longer be undone (the window passed, or the reply is already on its way)."""


# Creating and generating -------------------------------------------------------------------------
def schedule_draft(*, message_id: int) -> None:
    """Draft a reply to customer message ``message_id`` on the ``mail`` cluster. Idempotent: a second
    call for the same message creates no second draft. Older open drafts of the ticket are superseded."""
    draft = create_draft(message_id=message_id)
    if draft is not None:
        transaction.on_commit(lambda: enqueue_generation(draft_id=draft.pk))


def create_draft(*, message_id: int) -> Draft | None:
    """The ``generating`` draft for ``message_id``; None when one exists or the message needs none."""
    message = Message.objects.select_related("ticket").filter(pk=message_id).first()
    if message is None or message.direction != Message.Direction.INBOUND or message.is_auto_reply:
        logger.info("no draft for message %s: not a customer message", message_id)
        return None
    if Draft.objects.filter(in_reply_to=message, supersedes__isnull=True).exists():
        return None
    try:
        with transaction.atomic():
            _supersede_older(ticket=message.ticket, message=message)
            draft = Draft.objects.create(ticket=message.ticket, in_reply_to=message)
            audit(action="draft.requested", obj=draft, system="drafts", data={"message": message.pk})
    except IntegrityError:
        return None  # a concurrent call created it first
    return draft


def enqueue_generation(*, draft_id: int) -> None:
    async_task(TASK, draft_id, cluster=QUEUE, task_name=f"draft-{draft_id}")


def generate_draft(*, draft_id: int, connector: Connector | None = None, chat_model: Any = None) -> Draft:
    """Run the pipeline for a ``generating`` draft and store the result (``ready`` or ``failed``).

    A duplicate task is harmless: only the run that finds the draft still ``generating`` writes.
    """
    draft = Draft.objects.select_related("ticket__contact", "in_reply_to__contact").get(pk=draft_id)
    if draft.status != Draft.Status.GENERATING:
        return draft
    try:
        outcome = pipeline.run(
            ticket=draft.ticket,
            message=draft.in_reply_to,
            connector=connector or default_connector(),
            instruction=draft.instruction,
            chat_model=chat_model,
        )
    except ConnectorError as exc:
        return _fail(draft, _("ERP connector unusable: %(error)s") % {"error": exc}, {})
    except pipeline.DraftingFailed as exc:
        return _fail(draft, exc.reason, exc.trace)
    except Exception as exc:
        # A bug must not leave the draft "generating" for ever: fail it visibly, details in the log
        # (only the type in the reason: a message may quote connection strings or mail text).
        logger.exception("drafting %s failed unexpectedly", draft.pk)
        reason = _("Drafting failed unexpectedly (%(error)s); regenerate the draft or write the reply.")
        return _fail(draft, reason % {"error": type(exc).__name__}, {})
    return _store(draft, outcome)


def default_connector() -> Connector:
    from integrations import get_connector

    connector: Connector = get_connector()
    return connector


def _store(draft: Draft, outcome: pipeline.Outcome) -> Draft:
    values = {
        "status": Draft.Status.READY,
        "subject": outcome.subject,
        "body": outcome.body,
        "ai_subject": outcome.subject,
        "ai_body": outcome.body,
        "language": outcome.language,
        "intent": outcome.intent,
        "confidence": outcome.confidence,
        "flags": outcome.flags,
        "claims": outcome.claims,
        "problems": outcome.problems,
        "understanding": outcome.understanding,
        "updated_at": timezone.now(),
    }
    with transaction.atomic():
        updated = Draft.objects.filter(pk=draft.pk, status=Draft.Status.GENERATING).update(**values)
        if not updated:
            draft.refresh_from_db()
            return draft  # superseded while generating, or finished by a duplicate task
        for name, value in values.items():
            setattr(draft, name, value)
        _save_trace(draft, outcome.trace)
        Citation.objects.bulk_create([_citation(draft, fact) for fact in outcome.citations])
        DraftRevision.objects.create(
            draft=draft,
            kind=DraftRevision.Kind.AI,
            version=draft.version,
            author_label=f"ai:{outcome.trace.get('drafter', '')}",
            subject=outcome.subject,
            body=outcome.body,
        )
        Ticket.objects.filter(pk=draft.ticket_id).update(language=outcome.language, intent=outcome.intent)
        audit(
            action="draft.ready",
            obj=draft,
            system=f"ai:{outcome.trace.get('drafter', '')}",
            data={
                "intent": outcome.intent,
                "language": outcome.language,
                "confidence": outcome.confidence,
                "flags": outcome.flags,
                "unverified": sum(1 for c in outcome.claims if not c["verified"]),
                "citations": len(outcome.citations),
                "model": outcome.trace.get("model_name") or outcome.trace.get("drafter"),
            },
        )
    return draft


def _fail(draft: Draft, reason: str, trace: dict[str, Any]) -> Draft:
    with transaction.atomic():
        updated = Draft.objects.filter(pk=draft.pk, status=Draft.Status.GENERATING).update(
            status=Draft.Status.FAILED, failure_reason=reason[:2000], updated_at=timezone.now()
        )
        draft.refresh_from_db()
        if not updated:
            return draft
        _save_trace(draft, trace)
        audit(
            action="draft.failed",
            obj=draft,
            system=f"ai:{trace.get('drafter', 'pipeline')}",
            data={"reason": reason},
        )
    return draft


def _save_trace(draft: Draft, trace: dict[str, Any]) -> None:
    # A draft is generated once (regenerating makes a new draft), so it has no trace yet.
    DraftTrace.objects.create(
        draft=draft,
        drafter=trace.get("drafter", ""),
        drafter_version=trace.get("drafter_version", ""),
        model_name=trace.get("model_name", ""),
        prompt_version=trace.get("prompt_version", ""),
        tool_calls=trace.get("tool_calls", []),
        facts=trace.get("facts", []),
        context=trace.get("context", {}),
        timings_ms=trace.get("timings_ms", {}),
        input_tokens=trace.get("input_tokens"),
        output_tokens=trace.get("output_tokens"),
        attempts=trace.get("attempts", 0),
    )


def _citation(draft: Draft, fact: Fact) -> Citation:
    value = fact.value
    return Citation(
        draft=draft,
        fact_id=fact.id[:200],
        label=fact.label[:200],
        value="" if value is None else str(pipeline.json_value(value)),
        source_system=fact.source.system,
        source_record_type=fact.source.record_type,
        source_key=fact.source.key[:200],
        source_url=fact.source.url[:500],
        fetched_at=fact.source.fetched_at,
    )


def _supersede_older(*, ticket: Ticket, message: Message) -> None:
    """A newer customer message makes the open drafts for earlier ones obsolete."""
    older = Draft.objects.filter(ticket=ticket, status__in=Draft.OPEN_STATUSES).exclude(in_reply_to=message)
    for old in older.select_for_update():
        Draft.objects.filter(pk=old.pk).update(status=Draft.Status.SUPERSEDED, version=F("version") + 1)
        audit(action="draft.superseded", obj=old, system="drafts", data={"newer_message": message.pk})


# Review ------------------------------------------------------------------------------------------
def edit_draft(*, draft: Draft, user: Any, subject: str, body: str, expected_version: int) -> Draft:
    """Save an operator's text; verifies it again so new numbers are flagged like the AI's."""
    subject, body = subject.strip(), body.strip()
    if not body:
        raise InvalidInput(_("The reply text cannot be empty."))
    if len(subject) > 998:
        raise InvalidInput(_("The subject is too long (at most 998 characters)."))
    with transaction.atomic():
        current = _locked(draft, user, expected_version, allowed=Draft.REVIEWABLE_STATUSES)
        if subject == current.subject and body == current.body:
            return current
        claims = _verify_again(current, body)
        risk = [flag for flag in current.flags if flag != Flag.UNVERIFIED]
        flags = risk + ([str(Flag.UNVERIFIED)] if any(not c.verified for c in claims) else [])
        previous_body = current.body
        current.subject, current.body = subject, body
        current.status = Draft.Status.EDITED
        current.claims = [claim.as_dict() for claim in claims]
        current.flags = flags
        current.version += 1
        current.save(update_fields=["subject", "body", "status", "claims", "flags", "version", "updated_at"])
        DraftRevision.objects.create(
            draft=current,
            kind=DraftRevision.Kind.EDIT,
            version=current.version,
            author=user,
            author_label=user.get_username(),
            subject=subject,
            body=body,
            diff=unified_diff(previous_body, body),
        )
        audit(
            action="draft.edited",
            obj=current,
            actor=user,
            data={"version": current.version, "unverified": sum(1 for c in claims if not c.verified)},
        )
    return current


def approve_draft(
    *, draft: Draft, user: Any, expected_version: int, undo_seconds: int | None = None
) -> Draft:
    """Approve and queue the reply in one transaction. Approving an approved draft again changes
    nothing and queues nothing.

    The queued reply is held for ``undo_seconds`` (default ``HELPDESK_UNDO_SECONDS``): its
    ``release_at`` lies that far ahead, the sending worker leaves it alone until then, and
    ``undo_approval`` can take the approval back. ``0`` releases it at once.
    """
    hold = settings.HELPDESK_UNDO_SECONDS if undo_seconds is None else undo_seconds
    with transaction.atomic():
        current = Draft.objects.select_for_update().select_related("ticket", "in_reply_to").get(pk=draft.pk)
        if current.status in (Draft.Status.APPROVED, Draft.Status.SENT) and current.outbound_id:
            return current
        current = _locked(draft, user, expected_version, allowed=Draft.REVIEWABLE_STATUSES, row=current)
        decision = policy.decide(user, current)
        if not decision.allowed:
            raise NotAllowed(_("A supervisor must approve this draft."), decision.reasons)
        outbound = queue_reply(
            ticket=current.ticket,
            in_reply_to=current.in_reply_to,
            to=[current.in_reply_to.from_address or current.ticket.contact.email],
            cc=_reply_cc(current.in_reply_to),
            subject=current.subject,
            body=current.body,
            # One reply per approved version: a second approval of the same version finds this one,
            # while approving again after an undo (a new version) queues a new reply.
            idempotency_key=f"draft:{current.pk}:v{current.version}",
            author=user,
        )
        now = timezone.now()
        if hold > 0 and outbound.status == OutboundMessage.Status.QUEUED and outbound.release_at is None:
            outbound.release_at = now + dt.timedelta(seconds=hold)
            outbound.save(update_fields=["release_at"])
        current.status = Draft.Status.APPROVED
        current.approved_by, current.approved_at = user, now
        current.outbound = outbound
        current.accepted_as_is = current.body == current.ai_body and current.subject == current.ai_subject
        current.edit_distance = Levenshtein.distance(current.ai_body, current.body)
        current.version += 1
        current.save()
        ReplyMemory.objects.update_or_create(
            draft=current,
            defaults={
                "language": current.language,
                "intent": current.intent,
                "question": current.in_reply_to.display_text[:10000],
                "answer": current.body,
                "approved_at": now,
            },
        )
        _mark_answered(current.ticket, now)
        audit(
            action="draft.approved",
            obj=current,
            actor=user,
            data={
                "version": current.version,
                "outbound": outbound.pk,
                "message_id": outbound.message_id,
                "flags": current.flags,
                "supervisor_reasons": decision.reasons,
                "accepted_as_is": current.accepted_as_is,
                "edit_distance": current.edit_distance,
            },
        )
    return current


def undo_approval(*, draft: Draft, user: Any) -> Draft:
    """Take an approval back while its reply still waits for its release time: the reply is cancelled
    and leaves the conversation, and the draft is open for review again (a new version). Only the
    approver or a supervisor may; afterwards it is ``UndoRefused``."""
    with transaction.atomic():
        current = Draft.objects.select_for_update().select_related("ticket").get(pk=draft.pk)
        if not roles.is_staff_member(user) or not policy.can_see_ticket(user, current.ticket_id):
            raise NotAllowed(_("You may not work on this ticket."))
        outbound = current.outbound
        if current.status not in (Draft.Status.APPROVED, Draft.Status.SENT) or outbound is None:
            raise InvalidState(_("This draft is not approved, so there is nothing to undo."))
        if current.approved_by_id != user.pk and not roles.is_supervisor(user):
            raise NotAllowed(_("Only the person who approved it or a supervisor can undo this."))
        # The conditional update is the race with the sending worker: whoever changes the queued
        # row first wins, so a reply is either cancelled here or sent, never both.
        cancelled = current.status == Draft.Status.APPROVED and OutboundMessage.objects.filter(
            pk=outbound.pk, status=OutboundMessage.Status.QUEUED, release_at__gt=timezone.now()
        ).update(status=OutboundMessage.Status.CANCELLED, updated_at=timezone.now())
        if not cancelled:
            raise UndoRefused(_("Too late to undo: the reply has been handed to the mail queue."))
        _take_back(current, outbound)
        audit(action="draft.approval_undone", obj=current, actor=user, data={"outbound": outbound.pk})
        audit(action="outbound.cancelled", obj=outbound, actor=user, data={"reason": "undo"})
    return current


def _take_back(draft: Draft, outbound: OutboundMessage) -> None:
    """Undo what approval wrote besides the outbound row: the reply in the thread, the email memory,
    the first-response time it set and the pending status."""
    if outbound.ticket_message_id:
        Message.objects.filter(pk=outbound.ticket_message_id, direction=Message.Direction.OUTBOUND).delete()
    ReplyMemory.objects.filter(draft=draft).delete()
    ticket = draft.ticket
    updates: dict[str, Any] = {}
    if ticket.first_response_at is not None and ticket.first_response_at == draft.approved_at:
        updates["first_response_at"] = None
    if ticket.status == Ticket.Status.PENDING:
        updates["status"] = Ticket.Status.OPEN
    if updates:
        Ticket.objects.filter(pk=ticket.pk).update(**updates)
    edited = draft.body != draft.ai_body or draft.subject != draft.ai_subject
    draft.status = Draft.Status.EDITED if edited else Draft.Status.READY
    draft.approved_by = None
    draft.approved_at = None
    draft.outbound = None
    draft.edit_distance = None
    draft.accepted_as_is = None
    draft.version += 1
    draft.save()


def reject_draft(*, draft: Draft, user: Any, reason: str, expected_version: int | None = None) -> Draft:
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Say why the draft is rejected."))
    with transaction.atomic():
        current = _locked(
            draft, user, expected_version, allowed=(*Draft.REVIEWABLE_STATUSES, Draft.Status.FAILED)
        )
        current.status = Draft.Status.REJECTED
        current.rejected_by, current.rejected_at = user, timezone.now()
        current.rejection_reason = reason[:2000]
        current.version += 1
        current.save()
        audit(
            action="draft.rejected",
            obj=current,
            actor=user,
            data={"reason": reason, "version": current.version},
        )
    return current


def regenerate_draft(*, draft: Draft, user: Any, instruction: str = "") -> Draft:
    """Replace ``draft`` by a new one generated again, optionally following ``instruction`` ("shorter",
    "more formal", free text). Returns the new draft, ``generating`` until the task has run."""
    instruction = instruction.strip()
    if len(instruction) > 500:
        raise InvalidInput(_("The instruction is too long (at most 500 characters)."))
    allowed = (*Draft.REVIEWABLE_STATUSES, Draft.Status.FAILED, Draft.Status.REJECTED)
    with transaction.atomic():
        current = _locked(draft, user, None, allowed=allowed)
        current.status = Draft.Status.SUPERSEDED
        current.version += 1
        current.save(update_fields=["status", "version", "updated_at"])
        new = Draft.objects.create(
            ticket_id=current.ticket_id,
            in_reply_to_id=current.in_reply_to_id,
            supersedes=current,
            instruction=instruction,
            requested_by=user,
        )
        audit(action="draft.superseded", obj=current, actor=user, data={"by": new.pk})
        audit(
            action="draft.requested",
            obj=new,
            actor=user,
            data={"instruction": instruction, "replaces": current.pk},
        )
        transaction.on_commit(lambda: enqueue_generation(draft_id=new.pk))
    return new


def mark_draft_sent(*, draft: Draft) -> Draft:
    """Delivery calls this when the approved reply left; a second call changes nothing."""
    with transaction.atomic():
        if Draft.objects.filter(pk=draft.pk, status=Draft.Status.APPROVED).update(
            status=Draft.Status.SENT, version=F("version") + 1
        ):
            draft.refresh_from_db()
            audit(action="draft.sent", obj=draft, system="delivery", data={"outbound": draft.outbound_id})
    return draft


# Helpers -----------------------------------------------------------------------------------------
def _locked(
    draft: Draft,
    user: Any,
    expected_version: int | None,
    *,
    allowed: tuple[str, ...],
    row: Draft | None = None,
) -> Draft:
    """The draft row, locked for this transaction, after the role, visibility, state and version checks."""
    current = row or Draft.objects.select_for_update().select_related("ticket", "in_reply_to").get(
        pk=draft.pk
    )
    if not roles.is_staff_member(user) or not policy.can_see_ticket(user, current.ticket_id):
        raise NotAllowed(_("You may not work on this ticket."))
    if expected_version is not None and current.version != expected_version:
        raise StaleDraft(expected=expected_version, current=current.version)
    if current.status not in allowed:
        raise InvalidState(
            _("A draft that is %(status)s cannot be changed this way.")
            % {"status": current.get_status_display()}
        )
    return current


def _verify_again(draft: Draft, body: str) -> list[Claim]:
    trace = DraftTrace.objects.filter(draft=draft).first()
    facts = pipeline.facts_from_json(trace.facts) if trace else []
    trusted = (trace.context or {}).get("trusted_texts", []) if trace else []
    message = draft.in_reply_to
    return verify(
        body,
        facts=facts,
        trusted_texts=trusted,
        customer_text=f"{message.subject}\n{message.display_text}",
        customer_fact_id=f"message:{message.pk}#text",
    )


def unified_diff(before: str, after: str) -> str:
    return "\n".join(
        difflib.unified_diff(before.splitlines(), after.splitlines(), "before", "after", lineterm="", n=1)
    )


def _reply_cc(message: Message) -> list[str]:
    ours = {settings.DEFAULT_FROM_EMAIL.lower()}
    return [address for address in message.cc_addresses or [] if address.lower() not in ours]


def _mark_answered(ticket: Ticket, now: Any) -> None:
    updates: dict[str, Any] = {"last_activity_at": now}
    if ticket.first_response_at is None:
        updates["first_response_at"] = now
    if not ticket.is_closed:
        updates["status"] = Ticket.Status.PENDING
    Ticket.objects.filter(pk=ticket.pk).update(**updates)


def draft_now(*, message_id: int, connector: Connector | None = None) -> tuple[Draft, bool]:
    """Draft a reply to ``message_id`` in this process (``manage.py draft_replies``).

    Returns (draft, made_now). An open or finished draft is returned as it is; a failed one is
    replaced by a new attempt; a stuck ``generating`` one is generated here.
    """
    existing = (
        Draft.objects.filter(in_reply_to_id=message_id)
        .exclude(status=Draft.Status.SUPERSEDED)
        .order_by("-pk")
        .first()
    )
    if existing is None:
        draft = create_draft(message_id=message_id)
        if draft is None:
            raise InvalidInput(
                _("Message %(id)s is not a customer message to reply to.") % {"id": message_id}
            )
    elif existing.status == Draft.Status.FAILED:
        with transaction.atomic():
            Draft.objects.filter(pk=existing.pk).update(
                status=Draft.Status.SUPERSEDED, version=F("version") + 1
            )
            draft = Draft.objects.create(
                ticket_id=existing.ticket_id, in_reply_to_id=message_id, supersedes=existing
            )
            audit(action="draft.superseded", obj=existing, system="drafts", data={"by": draft.pk})
            audit(action="draft.requested", obj=draft, system="drafts", data={"retry_of": existing.pk})
    elif existing.status == Draft.Status.GENERATING:
        draft = existing
    else:
        return existing, False
    return generate_draft(draft_id=draft.pk, connector=connector), True
