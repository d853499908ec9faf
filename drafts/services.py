"""Everything operators do with a draft: edit, approve (and undo), reject, regenerate. Each function
validates, writes, audits and enqueues follow-up work. The operator pages and the JSON API call these
same functions, so they can do nothing different. Creating and generating drafts is in
``drafts.generation``.

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
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from rapidfuzz.distance import Levenshtein

from delivery.models import OutboundMessage
from delivery.outbound import queue_reply
from drafts import pipeline, policy
from drafts.errors import DraftError, InvalidInput, InvalidState, NotAllowed, StaleDraft, UndoRefused
from drafts.generation import enqueue_generation
from drafts.models import Draft, DraftRevision, DraftTrace, ReplyMemory
from drafts.verify import CUSTOMER, UNVERIFIED, Claim
from helpdesk import roles
from helpdesk.audit import audit
from helpdesk.models import Message, Ticket

logger = logging.getLogger(__name__)
__all__ = [
    "DraftError",
    "InvalidInput",
    "InvalidState",
    "NotAllowed",
    "StaleDraft",
    "UndoRefused",
    "approve_draft",
    "edit_draft",
    "mark_draft_sent",
    "regenerate_draft",
    "reject_draft",
    "reply_cc",
    "undo_approval",
    "unified_diff",
]


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
        claims = _verify_again(current, subject=subject, body=body)
        risk = [flag for flag in current.flags if flag not in pipeline.CLAIM_FLAGS]
        flags = risk + pipeline.claim_flags(claims)
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
            data={
                "version": current.version,
                "unverified": sum(1 for c in claims if c.state == UNVERIFIED),
                "customer_stated": sum(1 for c in claims if c.state == CUSTOMER),
            },
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
            cc=reply_cc(current.in_reply_to),
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


def regenerate_draft(
    *, draft: Draft, user: Any, instruction: str = "", expected_version: int | None = None
) -> Draft:
    """Replace ``draft`` by a new one generated again, optionally following ``instruction`` ("shorter",
    "more formal", free text). Returns the new draft, ``generating`` until the task has run. With
    ``expected_version`` a draft changed since (a colleague's edit) is ``StaleDraft``, not replaced."""
    instruction = instruction.strip()
    if len(instruction) > 500:
        raise InvalidInput(_("The instruction is too long (at most 500 characters)."))
    allowed = (*Draft.REVIEWABLE_STATUSES, Draft.Status.FAILED, Draft.Status.REJECTED)
    with transaction.atomic():
        current = _locked(draft, user, expected_version, allowed=allowed)
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


def _verify_again(draft: Draft, *, subject: str, body: str) -> list[Claim]:
    trace = DraftTrace.objects.filter(draft=draft).first()
    facts = pipeline.facts_from_json(trace.facts) if trace else []
    trusted = (trace.context or {}).get("trusted_texts", []) if trace else []
    return pipeline.check_reply(
        subject, body, facts=facts, trusted_texts=trusted, message=draft.in_reply_to, ticket=draft.ticket
    )


def unified_diff(before: str, after: str) -> str:
    return "\n".join(
        difflib.unified_diff(before.splitlines(), after.splitlines(), "before", "after", lineterm="", n=1)
    )


def reply_cc(message: Message) -> list[str]:
    """Who else gets our reply: the customer message's Cc, without our own address."""
    ours = {settings.DEFAULT_FROM_EMAIL.lower()}
    return [address for address in message.cc_addresses or [] if address.lower() not in ours]


def _mark_answered(ticket: Ticket, now: Any) -> None:
    updates: dict[str, Any] = {"last_activity_at": now}
    if ticket.first_response_at is None:
        updates["first_response_at"] = now
    if not ticket.is_closed:
        updates["status"] = Ticket.Status.PENDING
    Ticket.objects.filter(pk=ticket.pk).update(**updates)
