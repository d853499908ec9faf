"""Who a notice goes to: candidates from the ERP (through the connector interface) or a pasted list,
then the pre-send gate's own checks (``delivery.gate.Gate.blocked``: suppression, validity, disposable
domains, consent for the notice's purpose) decide who is excluded and why. Reads only."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import F
from django.utils.translation import gettext as _

from delivery.gate import Gate
from delivery.models import OutboundMessage
from helpdesk.bulk_sql import AnyOf
from helpdesk.models import Contact
from integrations.base import AudienceEntry, Connector, ConnectorError, NotFound

MAX_PASTED = 10_000
_SEPARATORS = re.compile(r"[\s,;]+")


class AudienceError(Exception):
    """The audience cannot be built (the ERP refused, the SKU is not in stock); ``str`` says why."""


@dataclass
class Candidate:
    address: str
    customer_number: str = ""
    name: str = ""
    language: str = ""
    orders: list[str] = field(default_factory=list)


class ContactRow(NamedTuple):
    """What an audience needs of a contact who has the candidate's address."""

    id: int
    name: str
    language: str


@dataclass
class Member:
    candidate: Candidate
    contact: ContactRow | None
    reason: str = ""  # a Suppression.Reason value when excluded
    detail: str = ""

    @property
    def excluded(self) -> bool:
        return bool(self.reason)


def candidates(
    *, kind: str, connector: Connector, min_days: int = 0, sku: str = "", pasted: str = ""
) -> list[Candidate]:
    """The addresses a notice of ``kind`` would reach, once each, with their customer and orders."""
    try:
        if kind == "delayed_shipments":
            return _from_entries(connector.delayed_customers(min_days=min_days))
        if kind == "back_in_stock":
            product = connector.get_product(sku)
            if not any(level.available > 0 for level in product.stock):
                raise AudienceError(_("%(sku)s is not in stock yet.") % {"sku": product.sku})
            return _from_entries(connector.waiting_customers(sku=product.sku))
    except NotFound as error:
        raise AudienceError(str(error)) from None
    except ConnectorError as error:
        raise AudienceError(_("The ERP did not answer: %(error)s") % {"error": error}) from None
    return _from_list(pasted)


def _from_entries(entries: list[AudienceEntry]) -> list[Candidate]:
    """One candidate per address (customers sharing an address share it), with their orders."""
    found: dict[str, Candidate] = {}
    for entry in entries:
        address = entry.email.strip().lower()
        if not address:
            continue
        candidate = found.get(address)
        if candidate is None:
            candidate = found[address] = Candidate(address, entry.customer_number, entry.name, entry.language)
        candidate.orders.extend(entry.order_numbers)
    return list(found.values())


def _from_list(pasted: str) -> list[Candidate]:
    addresses = list(dict.fromkeys(part.strip().strip("<>").lower() for part in _SEPARATORS.split(pasted)))
    addresses = [address for address in addresses if address]
    if len(addresses) > MAX_PASTED:
        raise AudienceError(_("At most %(limit)d addresses at a time.") % {"limit": MAX_PASTED})
    return [Candidate(address) for address in addresses]


def screen(found: list[Candidate], *, purpose: str) -> list[Member]:
    """Each candidate with its contact and, when excluded, the gate's reason: one query for the
    contacts, one for the suppressions, one for the consent."""
    addresses = [candidate.address for candidate in found]
    rows = Contact.objects.filter(AnyOf(F("email"), addresses)).values_list("email", "id", "name", "language")
    contacts = {email: ContactRow(pk, name, language) for email, pk, name, language in rows}
    gate = Gate(addresses=addresses, purposes=[purpose])
    members = []
    for candidate in found:
        blocked = gate.blocked(candidate.address, stream=OutboundMessage.Stream.BULK, purpose=purpose)
        members.append(
            Member(
                candidate,
                contacts.get(candidate.address),
                reason=blocked.reason if blocked else "",
                detail=blocked.detail[:300] if blocked else "",
            )
        )
    return members


def summary(members: list[Member]) -> dict[str, object]:
    reasons = Counter(member.reason for member in members if member.excluded)
    return {
        "audience": len(members),
        "included": len(members) - sum(reasons.values()),
        "excluded": dict(reasons),
    }
