"""Full-text search over tickets: subject, message bodies, contact and company.

On PostgreSQL each field has a GIN expression index (migration ``0003_search_indexes``) built from the
same ``SearchVector`` expressions used here, so the planner can use them; the ``simple`` configuration
(no stemming) suits mail in Swedish and English alike, and every word matches as a prefix. On SQLite,
a plain ``icontains`` per word stands in.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.db.models import Q

from helpdesk.models import Company, Contact, Message, Ticket

SEARCH_CONFIG = "simple"
MAX_TERMS = 8
# Letters, digits and the characters that appear inside order numbers, e-mail addresses and SKUs.
_TERM = re.compile(r"[\w@.\-]+", re.UNICODE)


def search_vectors() -> dict[str, tuple[type[Any], Any]]:
    """The indexed expression of each searched model, shared by the query and the migration."""
    from django.contrib.postgres.search import SearchVector

    return {
        "ticket_subject_search": (Ticket, SearchVector("subject", config=SEARCH_CONFIG)),
        "message_body_search": (Message, SearchVector("body_text", config=SEARCH_CONFIG)),
        "contact_search": (Contact, SearchVector("name", "email", config=SEARCH_CONFIG)),
        "company_search": (Company, SearchVector("name", config=SEARCH_CONFIG)),
    }


def search_terms(text: str) -> list[str]:
    """The words of a search box entry, without characters that mean something to tsquery."""
    terms = [term.strip(".-") for term in _TERM.findall(text)]
    return [term for term in terms if term][:MAX_TERMS]


def search_tickets(tickets: Any, text: str) -> Any:
    """``tickets`` narrowed to those whose subject, a message body, contact or company match every word."""
    terms = search_terms(text)
    if not terms:
        return tickets
    if connection.vendor == "postgresql":
        return tickets.filter(_postgres_match(terms))
    for term in terms:
        tickets = tickets.filter(_fallback_match(term))
    return tickets


def _postgres_match(terms: list[str]) -> Q:
    from django.contrib.postgres.search import SearchQuery

    query = SearchQuery(" & ".join(f"'{term}':*" for term in terms), search_type="raw", config=SEARCH_CONFIG)
    vectors = search_vectors()

    def matching(name: str) -> Any:
        model, vector = vectors[name]
        return model.objects.annotate(_search=vector).filter(_search=query)

    return (
        Q(pk__in=matching("ticket_subject_search").values("pk"))
        | Q(pk__in=matching("message_body_search").order_by().values("ticket_id"))
        | Q(contact_id__in=matching("contact_search").order_by().values("pk"))
        | Q(company_id__in=matching("company_search").order_by().values("pk"))
    )


def _fallback_match(term: str) -> Q:
    return (
        Q(subject__icontains=term)
        | Q(pk__in=Message.objects.filter(body_text__icontains=term).order_by().values("ticket_id"))
        | Q(contact__name__icontains=term)
        | Q(contact__email__icontains=term)
        | Q(company__name__icontains=term)
    )
