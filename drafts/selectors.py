"""Reads for drafting and for the people who review drafts: context, email memory, knowledge, learning."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Avg, Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Length
from django.http import Http404

from drafts.models import Draft, DraftQuerySet, Intent, KnowledgeArticle, ReplyMemory
from helpdesk.models import Message, Ticket
from helpdesk.selectors import visible_tickets

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

THREAD_MESSAGES = 10
EARLIER_TICKETS = 5
MEMORY_RESULTS = 3
MEMORY_FALLBACK_SCAN = 200
ARTICLE_RESULTS = 2
TEXT_CONFIGS = {"sv": "swedish", "en": "english"}
_WORDS = re.compile(r"[0-9a-zåäöéü]{3,}", re.IGNORECASE)


def drafts_visible_to(user: User | AnonymousUser) -> DraftQuerySet:
    """Drafts of the tickets ``user`` may see: the one door to drafts for the pages and the API."""
    return Draft.objects.filter(ticket__in=visible_tickets(user).values("pk"))


def get_draft_for_user(user: User | AnonymousUser, pk: Any) -> Draft:
    """A draft of a ticket ``user`` may see, with its ticket, message and reply; 404 otherwise (never
    reveal that it exists)."""
    try:
        return drafts_visible_to(user).select_related("ticket", "in_reply_to", "outbound").get(pk=pk)
    except (Draft.DoesNotExist, ValueError, TypeError):
        raise Http404("No such draft") from None


def thread_before(*, ticket: Ticket, message: Message) -> list[dict[str, Any]]:
    """The conversation up to ``message`` (customer mail and our replies, never internal notes)."""
    rows = (
        Message.objects.filter(ticket=ticket, created_at__lte=message.created_at)
        .exclude(pk=message.pk)
        .exclude(direction=Message.Direction.NOTE)
        .order_by("-created_at", "-pk")
        .values("pk", "direction", "from_address", "created_at", "visible_text", "body_text")[
            :THREAD_MESSAGES
        ]
    )
    return [
        {
            "id": row["pk"],
            "direction": row["direction"],
            "from": row["from_address"],
            "at": row["created_at"],
            "text": (row["visible_text"] or row["body_text"])[:2000],
        }
        for row in reversed(list(rows))
    ]


def earlier_tickets(*, ticket: Ticket) -> list[dict[str, Any]]:
    rows = (
        Ticket.objects.filter(contact_id=ticket.contact_id)
        .exclude(pk=ticket.pk)
        .order_by("-created_at")
        .values("pk", "subject", "status", "intent", "created_at")[:EARLIER_TICKETS]
    )
    return [{"id": row["pk"], **{k: v for k, v in row.items() if k != "pk"}} for row in rows]


def similar_replies(*, text: str, language: str, exclude_ticket: int | None = None) -> list[dict[str, Any]]:
    """The approved replies whose questions are most like ``text``: PostgreSQL full-text search,
    word overlap on other databases."""
    words = query_words(text)
    if not words:
        return []
    entries = ReplyMemory.objects.filter(language=language)
    if exclude_ticket is not None:
        entries = entries.exclude(draft__ticket_id=exclude_ticket)
    if connection.vendor == "postgresql":
        config = TEXT_CONFIGS.get(language, "simple")
        query = SearchQuery(" or ".join(words), search_type="websearch", config=config)
        vector = SearchVector("question", config=config)
        # The @@ filter lets PostgreSQL use the per-language GIN index of the migration.
        ranked = (
            entries.annotate(search=vector)
            .filter(search=query)
            .annotate(rank=SearchRank(vector, query))
            .order_by("-rank", "-approved_at")
            .values("pk", "draft_id", "intent", "question", "answer", "rank")[:MEMORY_RESULTS]
        )
        return [
            {**{k: v for k, v in row.items() if k != "rank"}, "score": round(float(row["rank"]), 4)}
            for row in ranked
        ]
    rows = entries.order_by("-approved_at").values("pk", "draft_id", "intent", "question", "answer")
    scored: list[dict[str, Any]] = []
    for row in rows[:MEMORY_FALLBACK_SCAN]:
        score = overlap(words, query_words(row["question"]))
        if score > 0.1:
            scored.append({**row, "score": round(score, 4)})
    scored.sort(key=lambda row: -row["score"])
    return scored[:MEMORY_RESULTS]


def relevant_articles(*, text: str, language: str, intents: list[str]) -> list[KnowledgeArticle]:
    """Active articles in ``language`` that answer the question: an article that names intents only
    under one of those intents (a stray word such as "leveranstid" in a complaint does not bring the
    delivery terms), an article without intents when the customer used its keywords."""
    lowered = text.lower()
    words = set(query_words(text))
    scored = []
    for article in KnowledgeArticle.objects.filter(active=True, language=language):
        named = article.intents or []
        if named and not set(named) & set(intents):
            continue
        score = 3.0 if named else 0.0
        keywords = [k.strip().lower() for k in article.keywords.split(",") if k.strip()]
        score += sum(2.0 for keyword in keywords if re.search(rf"(?<!\w){re.escape(keyword)}", lowered))
        score += 0.5 * len(words & set(query_words(article.title)))
        if score >= 2:
            scored.append((score, article.pk, article))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [article for _, _, article in scored[:ARTICLE_RESULTS]]


def query_words(text: str, limit: int = 40) -> list[str]:
    """Distinct lower-case words of three letters or more, in order, at most ``limit``."""
    seen: dict[str, None] = {}
    for word in _WORDS.findall(text.lower()):
        seen.setdefault(word, None)
        if len(seen) >= limit:
            break
    return list(seen)


def overlap(query: list[str], document: list[str]) -> float:
    """Cosine overlap of word sets, with a five-letter prefix as a crude stem."""
    a = {w[:5] for w in query}
    b = {w[:5] for w in document}
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


def learning_stats() -> list[dict[str, Any]]:
    """Per intent and language: how many AI drafts were approved, how many as they were, and how much
    operators changed the rest (mean edit distance in characters, and relative to the AI text), and
    how many of the replies were sent, bounced or drew a complaint."""
    rows = (
        Draft.objects.filter(accepted_as_is__isnull=False)
        .values("intent", "language")
        .annotate(
            approved=Count("pk"),
            accepted=Count("pk", filter=Q(accepted_as_is=True)),
            mean_edit_distance=Avg("edit_distance"),
            mean_ai_length=Avg(Length("ai_body")),
            # What became of the replies: delivery's outcome on the outbound message.
            sent=Count("pk", filter=Q(outbound__sent_at__isnull=False)),
            bounced=Count("pk", filter=Q(outbound__status="bounced")),
            complained=Count("pk", filter=Q(outbound__status="complained")),
        )
        .order_by("intent", "language")
    )
    stats = []
    for row in rows:
        approved = row["approved"]
        mean_distance = float(row["mean_edit_distance"] or 0)
        mean_length = float(row["mean_ai_length"] or 0)
        stats.append(
            {
                "intent": row["intent"],
                "language": row["language"],
                "approved": approved,
                "accepted_as_is": row["accepted"],
                "accepted_rate": row["accepted"] / approved if approved else 0.0,
                "mean_edit_distance": round(mean_distance, 1),
                "mean_relative_edit": round(mean_distance / mean_length, 3) if mean_length else 0.0,
                "sent": row["sent"],
                "bounced": row["bounced"],
                "complained": row["complained"],
            }
        )
    return stats


def messages_awaiting_draft(*, ticket_id: int | None = None) -> list[int]:
    """Ids of the latest customer message of each open ticket (or of ``ticket_id``, open or not)
    when it is the newest entry of the conversation and no current draft answers it."""
    latest = (
        Message.objects.filter(ticket=OuterRef("pk"))
        .exclude(direction=Message.Direction.NOTE)
        .order_by("-created_at", "-pk")
        .values("pk")[:1]
    )
    tickets = Ticket.objects.all() if ticket_id is not None else Ticket.objects.open()
    if ticket_id is not None:
        tickets = tickets.filter(pk=ticket_id)
    candidates = tickets.annotate(latest=Subquery(latest)).values_list("latest", flat=True)
    messages = Message.objects.filter(
        pk__in=[pk for pk in candidates if pk], direction=Message.Direction.INBOUND, is_auto_reply=False
    )
    if ticket_id is None:
        answered = Draft.objects.exclude(status__in=[Draft.Status.SUPERSEDED, Draft.Status.FAILED])
        messages = messages.exclude(pk__in=answered.values("in_reply_to_id"))
    return list(messages.order_by("created_at", "pk").values_list("pk", flat=True))


# The review queue, for the inbox and the dashboard ------------------------------------------------
def _waiting() -> QuerySet[Draft]:
    return Draft.objects.filter(status__in=Draft.REVIEWABLE_STATUSES)


def waiting_ticket_ids(*, flagged: bool = False) -> Any:
    """A subquery of ticket ids with a draft waiting for review (``flagged``: one with risk flags or
    unverified claims, which needs a supervisor under the default policy)."""
    drafts = _waiting()
    if flagged:
        drafts = drafts.exclude(flags=[])
    return drafts.values("ticket_id")


def waiting_flags(ticket_ids: Iterable[int]) -> dict[int, bool]:
    """For each of these tickets with a draft waiting for review: whether one is flagged (one query;
    none for no tickets)."""
    ids = list(ticket_ids)
    waiting: dict[int, bool] = {}
    if ids:
        for ticket_id, flags in _waiting().filter(ticket_id__in=ids).values_list("ticket_id", "flags"):
            waiting[ticket_id] = waiting.get(ticket_id, False) or bool(flags)
    return waiting


def draft_figures() -> dict[str, Any]:
    """Drafts waiting, and per intent the approval rate and mean edit distance (two queries)."""
    waiting = _waiting().aggregate(waiting=Count("pk"), flagged=Count("pk", filter=~Q(flags=[])))
    decided = (
        Draft.objects.filter(status__in=[Draft.Status.APPROVED, Draft.Status.REJECTED])
        .values("intent")
        .annotate(
            approved=Count("pk", filter=Q(status=Draft.Status.APPROVED)),
            rejected=Count("pk", filter=Q(status=Draft.Status.REJECTED)),
            edit_distance=Avg("edit_distance"),
            as_is=Count("pk", filter=Q(accepted_as_is=True)),
        )
        .order_by("intent")
    )
    labels = dict(Intent.choices)
    per_intent = [
        {
            "intent": row["intent"] or "other",
            "label": str(labels.get(row["intent"], row["intent"] or "—")),
            "approved": row["approved"],
            "rejected": row["rejected"],
            "approval_rate": round(100 * row["approved"] / (row["approved"] + row["rejected"]), 1),
            "accepted_as_is": row["as_is"],
            "mean_edit_distance": round(float(row["edit_distance"] or 0), 1),
        }
        for row in decided
        if row["approved"] + row["rejected"]
    ]
    return {
        "waiting": waiting["waiting"],
        "flagged": waiting["flagged"],
        "per_intent": per_intent,
        "approval_rows": [(row["label"], row["approval_rate"]) for row in per_intent],
        "edit_rows": [(row["label"], row["mean_edit_distance"]) for row in per_intent],
    }
