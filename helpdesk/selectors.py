"""Reads of the ticket domain for every caller: tickets and attachments a user may see, a ticket's
conversation, the contact's other tickets, the staff a ticket can go to.

Every ticket a page or the API touches comes through ``visible_tickets`` / ``get_ticket_for_user``, so
the permission rule lives in one place (``Ticket.objects.visible_to``). The inbox's filters and pages
are ``helpdesk.web.inbox``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q
from django.http import Http404

from helpdesk import roles
from helpdesk.models import Attachment, Company, Contact, Message, Ticket, TicketQuerySet

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def visible_tickets(user: User | AnonymousUser) -> TicketQuerySet:
    """Every ticket ``user`` may see; empty for users without a role."""
    return Ticket.objects.visible_to(user)


def get_ticket_for_user(user: User | AnonymousUser, pk: Any, *, for_update: bool = False) -> Ticket:
    """The ticket, if ``user`` may see it; 404 otherwise (never reveal that it exists)."""
    tickets = visible_tickets(user).select_related("contact", "company", "queue", "assignee")
    if for_update:
        tickets = tickets.select_for_update(of=("self",))
    try:
        return tickets.get(pk=pk)
    except (Ticket.DoesNotExist, ValueError, TypeError):
        raise Http404("No such ticket") from None


def get_contact_for_user(user: User | AnonymousUser, pk: Any) -> Contact:
    """A contact ``user`` may see: supervisors any, agents the contacts of tickets they see; 404
    otherwise."""
    contacts = Contact.objects.all()
    if not roles.is_supervisor(user):
        contacts = contacts.filter(pk__in=visible_tickets(user).values("contact_id"))
    try:
        return contacts.get(pk=pk)
    except (Contact.DoesNotExist, ValueError, TypeError):
        raise Http404("No such contact") from None


def get_attachment_for_user(user: User | AnonymousUser, pk: Any) -> Attachment:
    """An attachment of a ticket ``user`` may see; 404 otherwise."""
    try:
        return Attachment.objects.select_related("message").get(
            pk=pk, message__ticket__in=visible_tickets(user).values("pk")
        )
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such attachment") from None


def conversation(ticket: Ticket) -> list[Message]:
    """Every message of the ticket, oldest first, with authors and attachments in two extra queries."""
    return list(
        ticket.messages.select_related("author", "contact").prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.order_by("pk"))
        )
    )


def other_tickets_of_contact(user: User | AnonymousUser, ticket: Ticket, limit: int = 10) -> list[Ticket]:
    """The contact's other tickets that ``user`` may see, most recent first."""
    return list(
        visible_tickets(user)
        .filter(contact_id=ticket.contact_id)
        .exclude(pk=ticket.pk)
        .only("pk", "subject", "status", "last_activity_at")
        .order_by("-last_activity_at")[:limit]
    )


def assignable_users() -> list[Any]:
    """Active staff, for the assignee menu (assigning a ticket also makes it visible to the assignee)."""
    users = get_user_model().objects.filter(is_active=True, groups__name__in=roles.ROLES).distinct()
    return list(users.order_by("first_name", "username"))


def not_customer_contacts(addresses: Sequence[str], *, ticket: Ticket) -> list[str]:
    """Those of ``addresses`` that are not the customer's own: neither the ticket's contact, nor a
    contact of its company, nor at the company's e-mail domain (where ingest would file them)."""
    wanted = {address.strip().lower(): address for address in addresses if address.strip()}
    if not wanted:
        return []
    own = Q(pk=ticket.contact_id)
    if ticket.company_id is not None:
        own |= Q(company_id=ticket.company_id)
    known = set(Contact.objects.filter(own, email__in=list(wanted)).values_list("email", flat=True))
    if ticket.company_id is not None:
        domain = Company.objects.filter(pk=ticket.company_id).values_list("domain", flat=True).first() or ""
        domain = domain.strip().lower()
        if domain:
            known |= {address for address in wanted if address.rpartition("@")[2] == domain}
    return [original for address, original in wanted.items() if address not in known]
