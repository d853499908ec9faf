"""Who a draft's mail goes to: the operator's choice (To, Cc, Bcc) when they made one, else the
customer and the customer's own people from the mail's Cc. Reads only; ``drafts.services`` stores
the choice and ``drafts.policy`` decides who may approve sending to strangers."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext as _
from email_validator import EmailNotValidError, validate_email

from drafts.errors import InvalidInput
from helpdesk import limits, roles
from helpdesk.selectors import not_customer_contacts

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from drafts.models import Draft
    from helpdesk.models import Message

FIELDS = ("to", "cc", "bcc")
_SEPARATORS = re.compile(r"[,;\s]+")


@dataclass(frozen=True)
class Recipients:
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)

    def everyone(self) -> list[str]:
        return [*self.to, *self.cc, *self.bcc]

    def as_dict(self) -> dict[str, list[str]]:
        return {"to": self.to, "cc": self.cc, "bcc": self.bcc}


def draft_recipients(draft: Draft) -> Recipients:
    """The recipients the draft's mail goes to once approved."""
    chosen = draft.recipients or {}
    if chosen:
        return Recipients(*(list(chosen.get(name, [])) for name in FIELDS))
    if draft.kind == "forward":
        return Recipients()
    return default_recipients(draft.in_reply_to)


def default_recipients(message: Message) -> Recipients:
    """A reply's recipients before anyone chose: the sender and the customer's own people in Cc."""
    return Recipients(to=[message.from_address or message.ticket.contact.email], cc=reply_cc(message))


def reply_cc(message: Message, *, approver: User | None = None) -> list[str]:
    """Who else gets our reply: the customer message's Cc without our own address, and without
    addresses that are not the customer's own contacts (``helpdesk.selectors.not_customer_contacts``)
    unless ``approver`` is a supervisor. A forged mail cannot have our reply copied to its author's
    accomplice on an agent's approval; ``drafts.policy.recipient_reasons`` shows the operator why."""
    ours = {settings.DEFAULT_FROM_EMAIL.lower()}
    cc = [address for address in message.cc_addresses or [] if address.lower() not in ours]
    if not cc or (approver is not None and roles.is_supervisor(approver)):
        return cc
    strangers = set(not_customer_contacts(cc, ticket=message.ticket))
    return [address for address in cc if address not in strangers]


def parse_recipients(to: str, cc: str, bcc: str, *, known: Iterable[str] = ()) -> Recipients:
    """The three address fields as the operator typed them (separated by commas, semicolons or
    spaces), each address checked, except the ``known`` ones (taken from the customer's mail as they
    are); ``InvalidInput`` names the first bad one."""
    trusted = {address.lower(): address for address in known}
    parsed = Recipients(to=_addresses(to, trusted), cc=_addresses(cc, trusted), bcc=_addresses(bcc, trusted))
    if not parsed.to:
        raise InvalidInput(_("Give at least one address in To."))
    if len(parsed.everyone()) > limits.RECIPIENTS:
        raise InvalidInput(_("Too many recipients (at most %(limit)s).") % {"limit": limits.RECIPIENTS})
    return parsed


def _addresses(text: str, trusted: dict[str, str]) -> list[str]:
    result: list[str] = []
    for item in _SEPARATORS.split(text.strip()):
        if not item:
            continue
        address = item.strip("<>")
        try:
            normalised = (
                trusted.get(address.lower()) or validate_email(address, check_deliverability=False).normalized
            )
        except EmailNotValidError:
            raise InvalidInput(_("%(address)s is not an e-mail address.") % {"address": item[:100]}) from None
        if normalised.lower() not in (a.lower() for a in result):
            result.append(normalised)
    return result


def strangers(draft: Draft, recipients: Recipients, partner_domains: list[str]) -> list[str]:
    """The chosen recipients who are not the customer's own people; for a forward, those outside the
    partner domains (carriers, suppliers) as well."""
    others = not_customer_contacts(recipients.everyone(), ticket=draft.ticket)
    if draft.kind != "forward":
        return others
    partners = {domain.strip().lower().lstrip("@") for domain in partner_domains if domain.strip()}
    return [address for address in others if address.rpartition("@")[2].lower() not in partners]
