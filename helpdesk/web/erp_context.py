"""The ERP context beside a ticket: the customer and their recent orders with shipments.

Loaded in its own request (the ticket page asks for it after it is shown), so a slow or unreachable
ERP never delays the conversation. Every connector failure becomes a short, visible note.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from helpdesk.models import Ticket
from integrations.base import ConnectorError, Customer, NotFound, Order
from integrations.registry import get_connector

log = logging.getLogger(__name__)


@dataclass
class ErpContext:
    customer: Customer | None = None
    orders: list[Order] = field(default_factory=list)
    note: str = ""  # why something is missing, shown to the operator


def erp_context_for(ticket: Ticket, *, limit: int = 5) -> ErpContext:
    """The customer behind the ticket and their latest orders; a note instead when the ERP fails."""
    try:
        connector = get_connector()
    except ConnectorError as exc:
        log.warning("ERP connector misconfigured: %s", exc)
        return ErpContext(note=_("ERP unavailable: the connector is misconfigured."))
    try:
        number = ticket.company.erp_customer_number if ticket.company else ""
        customer = (
            connector.find_customer(number=number)
            if number
            else connector.find_customer(email=ticket.contact.email)
        )
    except NotFound:
        return ErpContext(note=_("No ERP customer matches this contact."))
    except ConnectorError as exc:
        log.warning("ERP lookup failed for ticket %s: %s", ticket.pk, exc)
        return ErpContext(note=_("ERP unavailable: the lookup failed. Try again later."))
    try:
        orders = list(connector.recent_orders(customer.number, limit=limit))
    except ConnectorError as exc:
        log.warning("ERP order lookup failed for ticket %s: %s", ticket.pk, exc)
        return ErpContext(customer=customer, note=_("ERP unavailable: orders could not be loaded."))
    return ErpContext(customer=customer, orders=orders)
