"""Who a notice goes to: candidates from the ERP (through the connector interface) or a pasted list,
then the pre-send gate's own checks (``delivery.gate.Gate.blocked``: suppression, validity, disposable
domains, consent for the notice's purpose) decide who is excluded and why. Reads only."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from delivery.gate import Gate
from delivery.models import OutboundMessage
from helpdesk.models import Contact
from integrations.base import Connector, ConnectorError, Customer, NotFound, Order

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


@dataclass
class Member:
    candidate: Candidate
    contact: Contact | None
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
            return _from_orders(connector, connector.delayed_orders(min_days=min_days))
        if kind == "back_in_stock":
            product = connector.get_product(sku)
            if not any(level.available > 0 for level in product.stock):
                raise AudienceError(_("%(sku)s is not in stock yet.") % {"sku": product.sku})
            return _from_orders(connector, connector.waiting_orders(sku=product.sku))
    except NotFound as error:
        raise AudienceError(str(error)) from None
    except ConnectorError as error:
        raise AudienceError(_("The ERP did not answer: %(error)s") % {"error": error}) from None
    return _from_list(pasted)


def _from_orders(connector: Connector, orders: list[Order]) -> list[Candidate]:
    by_customer: dict[str, list[str]] = {}
    for order in orders:
        by_customer.setdefault(order.customer_number, []).append(order.number)
    found: dict[str, Candidate] = {}
    for customer in connector.customers(sorted(by_customer)):
        address = customer.email.strip().lower()
        if not address:
            continue
        entry = found.setdefault(address, _candidate(address, customer))
        entry.orders.extend(by_customer.get(customer.number, []))
    return list(found.values())


def _candidate(address: str, customer: Customer) -> Candidate:
    return Candidate(address, customer.number, customer.name, customer.language)


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
    contacts = {contact.email: contact for contact in Contact.objects.filter(email__in=addresses)}
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
