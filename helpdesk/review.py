"""The draft review panel beside a ticket: what the operator sees of a draft, and the undo window.

Drafting and the review decisions themselves are ``drafts.services`` (edit, approve, reject,
regenerate). This module adds what the workspace needs around them: the text with its checked claims
marked, the edit diff, and approval with a delay: the queued reply gets ``release_at`` (now plus
``HELPDESK_UNDO_SECONDS``) and ``undo_approval`` can take it back until then.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from delivery.audit import audit
from delivery.models import OutboundMessage
from drafts import policy
from drafts import services as draft_services
from drafts.models import Citation, Draft, ReplyMemory
from helpdesk import roles
from helpdesk.models import Message, Ticket


class UndoRefused(draft_services.DraftError):
    """The approval can no longer be undone (the window passed, or the reply is already on its way)."""


@dataclass(frozen=True)
class Segment:
    """A run of the draft's text: plain, a verified claim (with its facts) or an unverified one."""

    text: str
    kind: str = "plain"  # plain, verified, unverified
    facts: tuple[Citation, ...] = ()
    note: str = ""


@dataclass
class Panel:
    draft: Draft
    segments: list[Segment] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    supervisor_reasons: list[str] = field(default_factory=list)
    may_approve: bool = False
    diff: list[tuple[str, str]] = field(default_factory=list)  # (kind, line): add, remove, context, hunk
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    outbound: OutboundMessage | None = None
    undo_until: dt.datetime | None = None


def current_draft(ticket: Ticket) -> Draft | None:
    """The ticket's newest draft that is not superseded, with what the panel shows, in two queries."""
    return (
        Draft.objects.current_for_ticket(ticket.pk)
        .select_related("in_reply_to", "outbound", "approved_by", "rejected_by")
        .prefetch_related("citations")
        .first()
    )


def panel_for(draft: Draft, user: Any) -> Panel:
    citations = list(draft.citations.all())
    decision = policy.decide(user, draft) if draft.is_reviewable else None
    message = draft.in_reply_to
    panel = Panel(
        draft=draft,
        segments=segments(draft.body, draft.claims, citations),
        citations=citations,
        supervisor_reasons=decision.reasons if decision else [],
        may_approve=bool(decision and decision.allowed),
        diff=edit_diff(draft.ai_body, draft.body),
        to=[message.from_address or draft.ticket.contact.email],
        cc=draft_services._reply_cc(message),
        outbound=draft.outbound,
    )
    if (
        draft.outbound
        and draft.outbound.release_at
        and draft.outbound.status == OutboundMessage.Status.QUEUED
    ):
        panel.undo_until = draft.outbound.release_at if draft.outbound.release_at > timezone.now() else None
    return panel


def segments(body: str, claims: list[dict[str, Any]], citations: list[Citation]) -> list[Segment]:
    """``body`` cut at the checked claims, each claim carrying its cited facts (for highlighting)."""
    by_id = {citation.fact_id: citation for citation in citations}
    result: list[Segment] = []
    position = 0
    for claim in sorted(claims, key=lambda c: (c.get("start", 0), c.get("end", 0))):
        start, end = int(claim.get("start", 0)), int(claim.get("end", 0))
        if start < position or end > len(body) or start >= end:
            continue  # claims of an older text, or overlapping ones: show the text plainly
        if start > position:
            result.append(Segment(body[position:start]))
        facts = tuple(by_id[i] for i in claim.get("fact_ids", []) if i in by_id)
        if claim.get("verified"):
            note = _("Verified against %(source)s") % {"source": claim.get("source") or _("the facts")}
            result.append(Segment(body[start:end], "verified", facts, note))
        else:
            note = _("Not found in any retrieved fact: check before sending.")
            result.append(Segment(body[start:end], "unverified", (), note))
        position = end
    if position < len(body):
        result.append(Segment(body[position:]))
    return result


def edit_diff(before: str, after: str) -> list[tuple[str, str]]:
    """The operator's changes to the AI text, line by line, for display."""
    if before == after:
        return []
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=1)
    result = []
    for line in list(lines)[2:]:  # skip the ---/+++ header
        kind = {"+": "add", "-": "remove", "@": "hunk"}.get(line[:1], "context")
        result.append((kind, line[1:] if kind != "hunk" else "…"))
    return result


def undo_seconds() -> int:
    return int(settings.HELPDESK_UNDO_SECONDS)


def approve_and_hold(*, draft: Draft, user: Any, expected_version: int) -> Draft:
    """Approve through ``drafts.services.approve_draft`` and hold the queued reply for the undo window."""
    with transaction.atomic():
        approved = draft_services.approve_draft(draft=draft, user=user, expected_version=expected_version)
        if approved.version == expected_version + 1 and approved.outbound_id and undo_seconds() > 0:
            OutboundMessage.objects.filter(
                pk=approved.outbound_id, status=OutboundMessage.Status.QUEUED, release_at__isnull=True
            ).update(release_at=timezone.now() + dt.timedelta(seconds=undo_seconds()))
    return approved


def undo_approval(*, draft: Draft, user: Any) -> Draft:
    """Take an approval back while its reply still waits: the reply is cancelled and leaves the
    conversation, and the draft is open for review again (a new version)."""
    with transaction.atomic():
        current = Draft.objects.select_for_update().select_related("ticket").get(pk=draft.pk)
        if not roles.is_staff_member(user) or not policy.can_see_ticket(user, current.ticket_id):
            raise draft_services.NotAllowed(_("You may not work on this ticket."))
        if current.approved_by_id != user.pk and not roles.is_supervisor(user):
            raise draft_services.NotAllowed(
                _("Only the person who approved it or a supervisor can undo this.")
            )
        outbound = current.outbound
        cancelled = (
            current.status == Draft.Status.APPROVED
            and outbound is not None
            and OutboundMessage.objects.filter(
                pk=outbound.pk, status=OutboundMessage.Status.QUEUED, release_at__gt=timezone.now()
            ).update(status=OutboundMessage.Status.CANCELLED, updated_at=timezone.now())
        )
        if not cancelled or outbound is None:
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
