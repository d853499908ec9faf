"""Who else is looking at a ticket: heartbeats in the shared cache, shown to the others within seconds.

Each open ticket page posts a heartbeat every few seconds (``viewing``, or ``editing`` while the draft
or a note has focus). The ticket's entry in the cache maps user id to (name, mode, time); entries older
than ``STALE_AFTER`` seconds are dropped. Two heartbeats racing may drop one entry for one interval;
the next heartbeat restores it, which is good enough for a hint (saves are protected by versions).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

HEARTBEAT_SECONDS = 4
STALE_AFTER = 15
MODES = ("viewing", "editing")


@dataclass(frozen=True)
class Presence:
    user_id: int
    name: str
    mode: str
    seen_at: float


def _key(ticket_id: int) -> str:
    return f"presence:ticket:{ticket_id}"


def _fresh(entries: dict[int, tuple[str, str, float]], now: float) -> dict[int, tuple[str, str, float]]:
    return {uid: entry for uid, entry in entries.items() if now - entry[2] < STALE_AFTER}


def heartbeat(*, ticket_id: int, user: Any, mode: str = "viewing") -> list[Presence]:
    """Record that ``user`` is on the ticket; return everybody else who is, editors first."""
    now = time.time()
    mode = mode if mode in MODES else "viewing"
    entries = _fresh(cache.get(_key(ticket_id)) or {}, now)
    entries[user.pk] = (user.get_full_name() or user.get_username(), mode, now)
    cache.set(_key(ticket_id), entries, timeout=STALE_AFTER * 4)
    return others(ticket_id=ticket_id, user=user, entries=entries, now=now)


def leave(*, ticket_id: int, user: Any) -> None:
    entries = cache.get(_key(ticket_id)) or {}
    if entries.pop(user.pk, None) is not None:
        cache.set(_key(ticket_id), entries, timeout=STALE_AFTER * 4)


def others(
    *,
    ticket_id: int,
    user: Any,
    entries: dict[int, tuple[str, str, float]] | None = None,
    now: float | None = None,
) -> list[Presence]:
    now = time.time() if now is None else now
    entries = _fresh(entries if entries is not None else cache.get(_key(ticket_id)) or {}, now)
    people = [
        Presence(user_id=uid, name=name, mode=mode, seen_at=seen)
        for uid, (name, mode, seen) in entries.items()
        if uid != user.pk
    ]
    return sorted(people, key=lambda p: (p.mode != "editing", p.name))
