"""Full-text search over tickets: subject, message bodies, contact and company.

On PostgreSQL each ticket carries one ``tsvector`` document with all of them, kept by triggers and
indexed with GIN (migration ``0006``), so the planner can either look up a rare word in the index or
walk the inbox order and stop at the first page for a common one. The ``simple`` configuration (no
stemming) suits mail in Swedish and English alike; all words must match, as whole words, or as a
prefix when written with a trailing ``*`` (``lever*``). On SQLite ``icontains`` per word stands in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q

from helpdesk.models import Company, Contact, Message, Ticket

SEARCH_CONFIG = "simple"
MAX_TERMS = 8
FEW_MATCHES = 1000
# Letters, digits and the characters inside order numbers, e-mail addresses and SKUs; a trailing "*"
# asks for a prefix match.
_TERM = re.compile(r"[\w@.\-]+\*?", re.UNICODE)


def search_vectors() -> dict[str, tuple[type[Any], Any]]:
    """The per-field expression indexes of migration 0003 (dropped again by 0006; kept for 0003)."""
    from django.contrib.postgres.search import SearchVector

    return {
        "ticket_subject_search": (Ticket, SearchVector("subject", config=SEARCH_CONFIG)),
        "message_body_search": (Message, SearchVector("body_text", config=SEARCH_CONFIG)),
        "contact_search": (Contact, SearchVector("name", "email", config=SEARCH_CONFIG)),
        "company_search": (Company, SearchVector("name", config=SEARCH_CONFIG)),
    }


def search_terms(text: str) -> list[str]:
    """The words of a search box entry, without characters that mean something to tsquery."""
    terms = []
    for raw in _TERM.findall(text):
        word = raw.rstrip("*").strip(".-").lower()
        if word:
            terms.append(word + ("*" if raw.endswith("*") else ""))
    return terms[:MAX_TERMS]


@dataclass(frozen=True)
class Found:
    tickets: Any
    # How many tickets match when the search had to count them anyway: exact up to FEW_MATCHES,
    # FEW_MATCHES + 1 for "more"; None when it did not count.
    count: int | None = None


def search(tickets: Any, text: str) -> Found:
    """``tickets`` narrowed to those whose subject, a message body, contact or company match every word,
    with the number of matches where looking for them counted them."""
    terms = search_terms(text)
    if not terms:
        return Found(tickets)
    matching = _matching(tickets, terms)
    if connection.vendor != "postgresql":
        return Found(matching)
    # A rare word is often estimated as common (every word unknown to the statistics gets the same
    # guess), and the planner then walks the whole inbox order looking for it. Asking the index for
    # the matching ids first costs one cheap query and leaves a short list to sort; it also counts the
    # matches, so the inbox needs no second pass over the index to count.
    ids = list(matching.order_by().values_list("pk", flat=True)[: FEW_MATCHES + 1])
    if len(ids) <= FEW_MATCHES:
        return Found(tickets.filter(pk__in=ids), len(ids))
    return Found(matching, len(ids))


def matching(tickets: Any, text: str) -> Any:
    """``tickets`` narrowed to the matches of ``text`` as a filter, without running a query (``search``
    asks the index for the ids first)."""
    terms = search_terms(text)
    return _matching(tickets, terms) if terms else tickets


def _matching(tickets: Any, terms: list[str]) -> Any:
    if connection.vendor == "postgresql":
        return tickets.filter(_postgres_match(terms))
    for term in terms:
        tickets = tickets.filter(_fallback_match(term.rstrip("*")))
    return tickets


def _postgres_match(terms: list[str]) -> Q:
    """The ticket's search document (subject, contact, company, messages) has every word."""
    from django.contrib.postgres.search import SearchQuery

    # Whole words unless the user asked for a prefix: PostgreSQL estimates whole-word matches from
    # the column's statistics and then picks the right plan (index lookup for a rare word, the inbox
    # order for a common one); for prefix matches it can only guess.
    lexemes = [f"'{term[:-1]}':*" if term.endswith("*") else f"'{term}'" for term in terms]
    query = SearchQuery(" & ".join(lexemes), search_type="raw", config=SEARCH_CONFIG)
    return Q(search_vector=query)


def _fallback_match(term: str) -> Q:
    return (
        Q(subject__icontains=term)
        | Q(pk__in=Message.objects.filter(body_text__icontains=term).order_by().values("ticket_id"))
        | Q(contact__name__icontains=term)
        | Q(contact__email__icontains=term)
        | Q(company__name__icontains=term)
    )
