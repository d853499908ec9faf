"""What the inbox and the dashboard need to know about drafts: which tickets have one waiting, whether
it is flagged, and the review figures per intent."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet

from drafts.models import Draft, Intent


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
        Draft.objects.filter(status__in=[Draft.Status.APPROVED, Draft.Status.SENT, Draft.Status.REJECTED])
        .values("intent")
        .annotate(
            approved=Count("pk", filter=Q(status__in=[Draft.Status.APPROVED, Draft.Status.SENT])),
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
