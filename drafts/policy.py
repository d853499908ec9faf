"""Who may approve a draft: the review policy admins configure, applied to one draft and one user."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext

from drafts.models import RISK_FLAGS, Draft, Flag, ReviewPolicy
from drafts.recipients import draft_recipients, strangers
from helpdesk import roles
from helpdesk.mail.sender_auth import SenderAuth, describe
from helpdesk.models import Ticket
from helpdesk.selectors import not_customer_contacts

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


@dataclass(frozen=True)
class Decision:
    allowed: bool
    needs_supervisor: bool
    reasons: list[str] = field(default_factory=list)  # why a supervisor is needed, or why not allowed


def supervisor_reasons(draft: Draft, policy: ReviewPolicy | None = None) -> list[str]:
    """Sentences saying why this draft needs a supervisor's approval; empty when an agent may approve."""
    policy = policy or ReviewPolicy.current()
    flags = set(draft.flags or [])
    reasons = []
    if policy.unverified_needs_supervisor and (Flag.UNVERIFIED in flags or draft.unverified_claims):
        count = len(draft.unverified_claims)
        reasons.append(gettext("%(count)d claim(s) in the text match no retrieved fact.") % {"count": count})
    if policy.missing_facts_need_supervisor and Flag.MISSING_FACTS in flags:
        reasons.append(gettext("Some facts could not be fetched from the ERP."))
    risk_labels = dict(Flag.choices)
    for flag in policy.risk_flags_needing_supervisor or []:
        if flag in flags and flag in {str(f) for f in RISK_FLAGS}:
            reasons.append(gettext("Risk: %(flag)s.") % {"flag": risk_labels.get(flag, flag)})
    # The intent and confidence rules judge the drafter's text; a person's own text is judged by its
    # claims, its risk and its recipients like any other.
    if draft.by_operator:
        reasons.extend(recipient_reasons(draft, policy))
        return reasons
    if draft.intent and draft.intent in (policy.intents_needing_supervisor or []):
        reasons.append(gettext("Replies of this kind always need a supervisor."))
    if draft.confidence < policy.min_confidence_for_agent:
        reasons.append(
            gettext("Confidence %(confidence).2f is below %(minimum).2f.")
            % {"confidence": draft.confidence, "minimum": policy.min_confidence_for_agent}
        )
    reasons.extend(recipient_reasons(draft, policy))
    return reasons


# Records about the customer. Products, stock and prices are public and knowledge articles ours, so
# a reply citing only those may go to anyone.
CUSTOMER_RECORD_TYPES = frozenset({"customer", "order", "order_line", "shipment", "invoice"})


def recipient_reasons(draft: Draft, policy: ReviewPolicy | None = None) -> list[str]:
    """Why this draft's recipients need a supervisor, whatever the review policy says (the invariant
    "no draft shows a customer's records to an unauthenticated sender"): it cites the customer's
    records and the sender's address is not authenticated, or the customer's mail was copied to
    addresses that are not the customer's contacts. Recipients an operator chose who are not the
    customer's own people (for a forward: outside the policy's partner domains) always need one."""
    if draft.recipients:
        return _chosen_recipient_reasons(draft, policy or ReviewPolicy.current())
    if not discloses_customer_records(draft):
        return []
    message = draft.in_reply_to
    reasons = _unauthenticated_sender(draft)
    strangers = not_customer_contacts(message.cc_addresses or [], ticket=draft.ticket)
    if strangers:
        reasons.append(
            gettext(
                "The customer's mail was copied to %(addresses)s, who are not contacts of this customer; "
                "only a supervisor's approval copies the reply to them."
            )
            % {"addresses": ", ".join(strangers)}
        )
    return reasons


def _chosen_recipient_reasons(draft: Draft, policy: ReviewPolicy) -> list[str]:
    reasons = []
    others = strangers(draft, draft_recipients(draft), policy.partner_domains or [])
    if others:
        reasons.append(
            gettext(
                "%(addresses)s are not contacts of this customer; a supervisor must approve sending to them."
            )
            % {"addresses": ", ".join(others)}
        )
    if draft.kind != Draft.Kind.FORWARD and discloses_customer_records(draft):
        reasons.extend(_unauthenticated_sender(draft))
    return reasons


def _unauthenticated_sender(draft: Draft) -> list[str]:
    auth = SenderAuth.from_dict(draft.in_reply_to.sender_auth)
    if auth.authenticated:
        return []
    text = gettext("The sender is not authenticated (%(why)s) and the reply shows the customer's records.")
    return [text % {"why": describe(auth)}]


def discloses_customer_records(draft: Draft) -> bool:
    """Does the draft cite an ERP record about a customer (their orders, invoices, shipments)?"""
    return any(c.source_record_type in CUSTOMER_RECORD_TYPES for c in draft.citations.all())


def decide(user: User | AnonymousUser, draft: Draft, policy: ReviewPolicy | None = None) -> Decision:
    """May ``user`` approve ``draft``? Supervisors may approve anything they may see; agents only
    drafts without reasons for a supervisor."""
    if not roles.is_staff_member(user) or not can_see_ticket(user, draft.ticket_id):
        return Decision(False, False, [gettext("You may not work on this ticket.")])
    reasons = supervisor_reasons(draft, policy)
    if not reasons or roles.is_supervisor(user):
        return Decision(True, bool(reasons), reasons)
    return Decision(False, True, reasons)


def can_see_ticket(user: User | AnonymousUser, ticket_id: int) -> bool:
    return Ticket.objects.visible_to(user).filter(pk=ticket_id).exists()
