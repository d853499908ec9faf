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
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rapidfuzz.distance import Levenshtein

from delivery.services import OutgoingFile, cancel_outbound, queue_reply
from drafts import pipeline, policy
from drafts.errors import DraftError, InvalidInput, InvalidState, NotAllowed, StaleDraft, UndoRefused
from drafts.generation import enqueue_generation
from drafts.models import Citation, Draft, DraftRevision, DraftTrace, ReplyMemory
from drafts.recipients import Recipients, default_recipients, draft_recipients, reply_cc
from drafts.verify import CUSTOMER, UNVERIFIED, Claim
from helpdesk import limits, roles, tickets
from helpdesk.audit import audit

if TYPE_CHECKING:
    from django.contrib.auth.models import User

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
    "regenerate_draft",
    "reject_draft",
    "reply_cc",
    "undo_approval",
    "unified_diff",
]


# Review ------------------------------------------------------------------------------------------
def edit_draft(
    *,
    draft: Draft,
    user: User,
    subject: str,
    body: str,
    expected_version: int,
    recipients: Recipients | None = None,
    files_changed: bool = False,
) -> Draft:
    """Save an operator's text (and the recipients they chose, when given); verifies it again so new
    numbers are flagged like the AI's. Recipients equal to a reply's default are not stored, so the
    default (which never copies strangers) goes on applying."""
    subject, body = subject.strip(), body.strip()
    if not body:
        raise InvalidInput(_("The reply text cannot be empty."))
    if len(subject) > limits.SUBJECT:
        raise InvalidInput(
            _("The subject is too long (at most %(limit)s characters).") % {"limit": limits.SUBJECT}
        )
    if len(body) > limits.DRAFT_BODY:
        raise InvalidInput(
            _("The reply text is too long (at most %(limit)s characters).") % {"limit": limits.DRAFT_BODY}
        )
    with transaction.atomic():
        current = locked_draft(draft, user, expected_version, allowed=Draft.REVIEWABLE_STATUSES)
        chosen = _chosen(current, recipients)
        unchanged = subject == current.subject and body == current.body and chosen == current.recipients
        if unchanged and not files_changed:
            return current
        claims, knowledge = _verify_again(current, subject=subject, body=body)
        risk = [flag for flag in current.flags if flag not in pipeline.CLAIM_FLAGS]
        # The operator's text is read like a customer's mail: a promise of money or legal words in it
        # route the draft to a supervisor when the review policy lists those flags.
        reply = [f for f in pipeline.reply_flags(f"{subject}\n{body}", knowledge) if f not in risk]
        flags = risk + pipeline.claim_flags(claims) + reply
        previous_body = current.body
        current.subject, current.body, current.recipients = subject, body, chosen
        current.status = Draft.Status.EDITED
        current.claims = [claim.as_dict() for claim in claims]
        current.flags = flags
        current.version += 1
        current.save(
            update_fields=[
                "subject",
                "body",
                "recipients",
                "status",
                "claims",
                "flags",
                "version",
                "updated_at",
            ]
        )
        if current.by_operator:
            cite_claims(current, claims)
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
                "recipients": current.recipients,
                "unverified": sum(1 for c in claims if c.state == UNVERIFIED),
                "customer_stated": sum(1 for c in claims if c.state == CUSTOMER),
            },
        )
    return current


def approve_draft(
    *, draft: Draft, user: User, expected_version: int, undo_seconds: int | None = None
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
        if current.status == Draft.Status.APPROVED and current.outbound_id:
            return current
        current = locked_draft(draft, user, expected_version, allowed=Draft.REVIEWABLE_STATUSES, row=current)
        decision = policy.decide(user, current)
        if not decision.allowed:
            raise NotAllowed(_("A supervisor must approve this draft."), decision.reasons)
        recipients = draft_recipients(current)
        if not recipients.to:
            raise InvalidInput(_("Give at least one address in To."))
        forward = current.kind == Draft.Kind.FORWARD
        outbound = queue_reply(
            ticket=current.ticket,
            # A forward starts a conversation of its own with the third party; its answer still
            # threads to the ticket by our signed Message-ID.
            in_reply_to=None if forward else current.in_reply_to,
            to=recipients.to,
            cc=recipients.cc,
            bcc=recipients.bcc,
            subject=current.subject,
            body=current.body,
            # One reply per approved version: a second approval of the same version finds this one,
            # while approving again after an undo (a new version) queues a new reply.
            idempotency_key=f"draft:{current.pk}:v{current.version}",
            author=user,
            hold_seconds=hold,
            attachments=outgoing_files(current),
            answers_customer=not forward,
        )
        now = timezone.now()
        current.status = Draft.Status.APPROVED
        current.approved_by, current.approved_at = user, now
        current.outbound = outbound
        current.accepted_as_is = current.body == current.ai_body and current.subject == current.ai_subject
        current.edit_distance = Levenshtein.distance(current.ai_body, current.body)
        current.version += 1
        current.save()
        _answered(current, user, now, forward=forward)
        audit(
            action="draft.approved",
            obj=current,
            actor=user,
            data={
                "version": current.version,
                "kind": current.kind,
                "outbound": outbound.pk,
                "message_id": outbound.message_id,
                "recipients": recipients.as_dict(),
                "attachments": [file.filename for file in current.attachments.all()],
                "flags": current.flags,
                "supervisor_reasons": decision.reasons,
                "accepted_as_is": current.accepted_as_is,
                "edit_distance": current.edit_distance,
            },
        )
    return current


def _answered(draft: Draft, user: User, now: dt.datetime, *, forward: bool) -> None:
    """What an approved reply means besides its mail: an answer to the customer (the ticket waits on
    them) and, for the drafter's text, an entry in the email memory. A forward is neither."""
    if forward:
        return
    ReplyMemory.objects.update_or_create(
        draft=draft,
        defaults={
            "language": draft.language,
            "intent": draft.intent,
            "question": draft.in_reply_to.display_text[:10000],
            "answer": draft.body,
            "approved_at": now,
        },
    )
    tickets.mark_answered(ticket=draft.ticket, at=now, actor=user)
    # One answer: the other replies still open on the ticket (the drafter's, a colleague's) are
    # replaced by this one; forwards are not answers and stay.
    others = Draft.objects.filter(ticket_id=draft.ticket_id, status__in=Draft.OPEN_STATUSES).exclude(
        kind=Draft.Kind.FORWARD
    )
    for other in others.exclude(pk=draft.pk).select_for_update():
        Draft.objects.filter(pk=other.pk).update(status=Draft.Status.SUPERSEDED, version=F("version") + 1)
        audit(action="draft.superseded", obj=other, actor=user, data={"by": draft.pk})


def undo_approval(*, draft: Draft, user: User) -> Draft:
    """Take an approval back while its reply still waits for its release time: delivery cancels the
    reply (it leaves the conversation), and the draft is open for review again (a new version). Only
    the approver or a supervisor may; afterwards it is ``UndoRefused``."""
    with transaction.atomic():
        current = (
            Draft.objects.select_for_update(of=("self",))
            .select_related("ticket", "outbound")
            .get(pk=draft.pk)
        )
        if not roles.is_staff_member(user) or not policy.can_see_ticket(user, current.ticket_id):
            raise NotAllowed(_("You may not work on this ticket."))
        outbound = current.outbound
        if current.status != Draft.Status.APPROVED or outbound is None:
            raise InvalidState(_("This draft is not approved, so there is nothing to undo."))
        if current.approved_by_id != user.pk and not roles.is_supervisor(user):
            raise NotAllowed(_("Only the person who approved it or a supervisor can undo this."))
        if not cancel_outbound(outbound=outbound, actor=user, reason="undo"):
            raise UndoRefused(_("Too late to undo: the reply has been handed to the mail queue."))
        _take_back(current, user)
        audit(action="draft.approval_undone", obj=current, actor=user, data={"outbound": outbound.pk})
    return current


def _take_back(draft: Draft, user: User) -> None:
    """Undo what approval wrote besides the reply delivery cancelled: the email memory, the ticket's
    answered state, and the draft's approval."""
    ReplyMemory.objects.filter(draft=draft).delete()
    if draft.kind != Draft.Kind.FORWARD:  # a forward never made the ticket wait on the customer
        tickets.take_back_answer(ticket=draft.ticket, actor=user)
    edited = draft.body != draft.ai_body or draft.subject != draft.ai_subject
    draft.status = Draft.Status.EDITED if edited else Draft.Status.READY
    draft.approved_by = None
    draft.approved_at = None
    draft.outbound = None
    draft.edit_distance = None
    draft.accepted_as_is = None
    draft.version += 1
    draft.save()


def reject_draft(*, draft: Draft, user: User, reason: str, expected_version: int | None = None) -> Draft:
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Say why the draft is rejected."))
    if len(reason) > limits.REJECT_REASON:
        raise InvalidInput(
            _("The reason is too long (at most %(limit)s characters).") % {"limit": limits.REJECT_REASON}
        )
    with transaction.atomic():
        current = locked_draft(
            draft, user, expected_version, allowed=(*Draft.REVIEWABLE_STATUSES, Draft.Status.FAILED)
        )
        current.status = Draft.Status.REJECTED
        current.rejected_by, current.rejected_at = user, timezone.now()
        current.rejection_reason = reason
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
    *, draft: Draft, user: User, instruction: str = "", expected_version: int | None = None
) -> Draft:
    """Replace ``draft`` by a new one generated again, optionally following ``instruction`` ("shorter",
    "more formal", free text). Returns the new draft, ``generating`` until the task has run. With
    ``expected_version`` a draft changed since (a colleague's edit) is ``StaleDraft``, not replaced."""
    instruction = instruction.strip()
    if len(instruction) > limits.INSTRUCTION:
        raise InvalidInput(
            _("The instruction is too long (at most %(limit)s characters).") % {"limit": limits.INSTRUCTION}
        )
    allowed = (*Draft.REVIEWABLE_STATUSES, Draft.Status.FAILED, Draft.Status.REJECTED)
    with transaction.atomic():
        current = locked_draft(draft, user, expected_version, allowed=allowed)
        current.status = Draft.Status.SUPERSEDED
        current.version += 1
        current.save(update_fields=["status", "version", "updated_at"])
        new = Draft.objects.create(
            ticket_id=current.ticket_id,
            in_reply_to_id=current.in_reply_to_id,
            supersedes=current,
            instruction=instruction,
            requested_by=user,
            # The reply's version goes on counting: the new text is the next version, never "1" again.
            version=current.version,
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


# Helpers -----------------------------------------------------------------------------------------
def locked_draft(
    draft: Draft,
    user: User,
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


def _verify_again(draft: Draft, *, subject: str, body: str) -> tuple[list[Claim], list[str]]:
    """The claims of an edited text, and the knowledge-article texts the draft was grounded in."""
    trace = DraftTrace.objects.filter(draft=draft).first()
    facts = pipeline.facts_from_json(trace.facts) if trace else []
    trusted = (trace.context or {}).get("trusted_texts", []) if trace else []
    claims = pipeline.check_reply(
        subject, body, facts=facts, trusted_texts=trusted, message=draft.in_reply_to, ticket=draft.ticket
    )
    knowledge = [str(value) for fact_id, value in facts if fact_id.startswith("kb:")]
    return claims, knowledge


def unified_diff(before: str, after: str) -> str:
    return "\n".join(
        difflib.unified_diff(before.splitlines(), after.splitlines(), "before", "after", lineterm="", n=1)
    )


def _chosen(draft: Draft, recipients: Recipients | None) -> dict[str, list[str]]:
    """What to store of the operator's recipients: nothing when they equal a reply's default."""
    if recipients is None:
        return dict(draft.recipients or {})
    default = default_recipients(draft.in_reply_to).as_dict()
    chosen = recipients.as_dict()
    if draft.kind != Draft.Kind.FORWARD and _lowered(chosen) == _lowered(default):
        return {}
    return chosen


def _lowered(recipients: dict[str, list[str]]) -> dict[str, list[str]]:
    return {name: [address.lower() for address in addresses] for name, addresses in recipients.items()}


def outgoing_files(draft: Draft) -> list[OutgoingFile]:
    """The draft's attachments as delivery takes them."""
    files = []
    for attachment in draft.attachments.all():
        with attachment.file.open("rb") as handle:
            files.append(OutgoingFile(attachment.filename, attachment.content_type, handle.read()))
    return files


def cite_claims(draft: Draft, claims: list[Claim]) -> None:
    """An operator's draft cites what its verified claims rest on (the panel links them, and the
    recipient policy knows whether it shows the customer's records)."""
    trace = DraftTrace.objects.filter(draft=draft).first()
    facts = {row["id"]: row for row in (trace.facts if trace else [])}
    used = {fact_id for claim in claims if claim.verified for fact_id in claim.fact_ids}
    Citation.objects.filter(draft=draft).exclude(fact_id__in=used).delete()
    have = set(Citation.objects.filter(draft=draft).values_list("fact_id", flat=True))
    Citation.objects.bulk_create(
        [_citation_row(draft, facts[fact_id]) for fact_id in sorted(used - have) if fact_id in facts]
    )


def _citation_row(draft: Draft, row: dict[str, Any]) -> Citation:
    source = row.get("source") or {}
    fetched = parse_datetime(str(source.get("fetched_at") or ""))
    return Citation(
        draft=draft,
        fact_id=str(row["id"])[:200],
        label=str(row.get("label", ""))[:200],
        value="" if row.get("value") is None else str(row["value"]),
        source_system=str(source.get("system", ""))[:64],
        source_record_type=str(source.get("record_type", ""))[:32],
        source_key=str(source.get("key", ""))[:200],
        source_url=str(source.get("url", ""))[:500],
        fetched_at=fetched,
    )
