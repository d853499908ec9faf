"""The draft review panel beside a ticket: what the operator sees of a draft.

Drafting and the review decisions themselves are ``drafts.services`` (edit, approve with its undo
window, undo, reject, regenerate), shared with the JSON API. This module only prepares the panel: the
text with its checked claims marked, the cited facts, the policy's reasons, the edit diff and how long
an approval can still be undone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from delivery.models import DeliveryEvent, OutboundMessage
from delivery.selectors import delivery_warnings
from drafts import composing, isolation, policy
from drafts import services as draft_services
from drafts.models import Citation, Draft, DraftAttachment, ReviewPolicy, SavedReply
from drafts.recipients import draft_recipients, strangers
from drafts.verify import CUSTOMER, UNVERIFIED, VERIFIED, claim_state
from helpdesk import limits, roles
from helpdesk.models import Attachment, Message, Ticket
from helpdesk.web import erp_words
from integrations import get_connector
from integrations.base import offers_documents


@dataclass(frozen=True)
class Segment:
    """A run of the draft's text: plain, a verified claim (with its facts), a claim only the customer's
    own mail backs, or an unverified one."""

    text: str
    kind: str = "plain"  # plain, verified, customer, unverified
    facts: tuple[Citation, ...] = ()
    note: str = ""


@dataclass
class Panel:
    draft: Draft
    segments: list[Segment] = field(default_factory=list)
    subject_segments: list[Segment] = field(default_factory=list)  # empty when the subject has no claims
    citations: list[Citation] = field(default_factory=list)
    supervisor_reasons: list[str] = field(default_factory=list)
    may_approve: bool = False
    diff: list[tuple[str, str]] = field(default_factory=list)  # (kind, line): add, remove, context, hunk
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    # The composer: chosen recipients who are not the customer's own people, the draft's files, the
    # files of the ticket's mail that can be added, and the saved replies offered here.
    strangers: list[str] = field(default_factory=list)
    attachments: list[DraftAttachment] = field(default_factory=list)
    thread_files: list[Attachment] = field(default_factory=list)
    saved_replies: list[SavedReply] = field(default_factory=list)
    invoices: list[str] | None = None  # invoice copies the ERP can attach; None: it offers none
    file_limit: int = limits.ATTACHMENT_BYTES
    file_count: int = limits.ATTACHMENTS
    outbound: OutboundMessage | None = None
    undo_until: dt.datetime | None = None
    # Records the customer asked about that are not theirs: for supervisors' eyes only.
    withheld: list[dict[str, Any]] = field(default_factory=list)
    # Earlier replies to these recipients that bounced or were complained about.
    delivery_warnings: list[DeliveryEvent] = field(default_factory=list)


def current_draft(ticket: Ticket, conversation: Iterable[Message] = ()) -> Draft | None:
    """The ticket's newest draft that is not superseded, with what the panel shows, in two queries.

    The mail it answers is taken from ``conversation`` when the caller has the ticket's messages
    already (joining it here cost the ticket page about a tenth of its time); approver and rejecter
    are read only for drafts that have one."""
    # Open drafts first (an operator's before the drafter's), then the newest: a reply being written
    # is not hidden by a draft that arrived meanwhile, nor by an approved one.
    draft = (
        Draft.objects.current_for_ticket(ticket.pk)
        .select_related("outbound")
        .defer("understanding")
        .prefetch_related("citations")
        .first()
    )
    if draft is not None:
        answered = next((m for m in conversation if m.pk == draft.in_reply_to_id), None)
        if answered is not None:
            draft.in_reply_to = answered
    return draft


def panel_for(draft: Draft, user: Any, conversation: Iterable[Message] | None = None) -> Panel:
    """The panel of ``draft``; ``conversation`` (the ticket's messages with their attachments, when
    the page has read them) spares the composer a query for the files it offers."""
    citations = list(draft.citations.all())
    for citation in citations:  # what people read: field names, codes and record kinds in their language
        label, value = erp_words.fact_words(
            record_type=citation.source_record_type,
            fact_id=citation.fact_id,
            label=citation.label,
            value=citation.value,
        )
        shown = {"shown_label": label, "shown_value": value}
        shown["shown_record"] = erp_words.record_label(citation.source_record_type)
        for name, text in shown.items():
            setattr(citation, name, text)  # display only; the stored words stay for the API
    decision = policy.decide(user, draft) if draft.is_reviewable else None
    recipients = draft_recipients(draft)
    panel = Panel(
        draft=draft,
        segments=segments(draft.body, _claims_in(draft, "body"), citations),
        citations=citations,
        supervisor_reasons=decision.reasons if decision else [],
        may_approve=bool(decision and decision.allowed),
        diff=edit_diff(draft.ai_body, draft.body),
        to=recipients.to,
        cc=recipients.cc,
        bcc=recipients.bcc,
        outbound=draft.outbound,
        withheld=withheld_for(draft, user),
    )
    if draft.is_reviewable:
        panel.delivery_warnings = delivery_warnings(recipients.everyone())
        _composer(panel, recipients, conversation)
    subject_claims = _claims_in(draft, "subject")
    if subject_claims:
        panel.subject_segments = segments(draft.subject, subject_claims, citations)
    if draft.outbound:
        panel.undo_until = draft.outbound.held_until()
    return panel


def _composer(panel: Panel, recipients: Any, conversation: Iterable[Message] | None) -> None:
    draft = panel.draft
    panel.strangers = strangers(draft, recipients, ReviewPolicy.current().partner_domains or [])
    panel.attachments = list(draft.attachments.all())
    if conversation is None:
        conversation = Message.objects.filter(ticket_id=draft.ticket_id).prefetch_related("attachments")
    panel.thread_files = [
        attachment
        for message in conversation
        if message.direction != Message.Direction.NOTE
        for attachment in message.attachments.all()
        if not attachment.inline
    ]
    panel.saved_replies = composing.saved_replies_for(draft.ticket, draft.language)
    if offers_documents(get_connector()):
        panel.invoices = composing.invoice_numbers(draft)


def withheld_for(draft: Draft, user: Any) -> list[dict[str, Any]]:
    """The records drafting withheld from the sender, with the reason, for a supervisor; nothing for
    anyone else (an agent sees only that something was withheld, in the draft's problems)."""
    if not draft.withheld or not roles.is_supervisor(user):
        return []
    reasons = {
        isolation.OTHER_CUSTOMER: _("belongs to another customer"),
        isolation.UNKNOWN_SENDER: _("the ERP does not know the sender"),
        isolation.UNKNOWN_OWNER: _("its customer could not be established"),
    }
    return [
        {**item, "reason_text": reasons.get(item["reason"], item["reason"])}
        for item in isolation.withheld_summary(draft.withheld)
    ]


def _claims_in(draft: Draft, part: str) -> list[dict[str, Any]]:
    return [claim for claim in draft.claims if claim.get("part", "body") == part]


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
        result.append(_claim_segment(body[start:end], claim, by_id))
        position = end
    if position < len(body):
        result.append(Segment(body[position:]))
    return result


def _claim_segment(text: str, claim: dict[str, Any], by_id: dict[str, Citation]) -> Segment:
    state = claim_state(claim)
    if state == CUSTOMER:
        note = _("The customer's own figure, as they wrote it: not checked against the ERP.")
        return Segment(text, CUSTOMER, (), note)
    if state == UNVERIFIED:
        return Segment(text, UNVERIFIED, (), _("Not found in any retrieved fact: check before sending."))
    facts = tuple(by_id[i] for i in claim.get("fact_ids", []) if i in by_id)
    # The source in the active language (it was shown as stored, "fact" or "trusted", before).
    source = _("our own texts") if claim.get("source") == "trusted" else _("the facts")
    return Segment(text, VERIFIED, facts, _("Verified against %(source)s") % {"source": source})


def edit_diff(before: str, after: str) -> list[tuple[str, str]]:
    """The operator's changes to the AI text, line by line, for display."""
    if before == after:
        return []
    result = []
    for line in draft_services.unified_diff(before, after).splitlines()[2:]:  # skip the ---/+++ header
        kind = {"+": "add", "-": "remove", "@": "hunk"}.get(line[:1], "context")
        result.append((kind, line[1:] if kind != "hunk" else "…"))
    return result
