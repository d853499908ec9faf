"""Who else is looking at a ticket: heartbeats in the shared cache, shown to the others within seconds.

Each open ticket page (a *view*, named by a random id the page was rendered with) posts a heartbeat
every few seconds (``viewing``, or ``editing`` while the draft or a note has focus) and a ``leave``
when the page goes away. Every view has its own cache entry that expires ``STALE_AFTER`` seconds after
its last heartbeat, so a browser that vanishes without saying goodbye drops out by itself; a small
roster per ticket lists the views to look up.

Races, and why they are harmless:
- Two views joining at once may both rewrite the roster and one of them is lost from it; every
  heartbeat checks that its view is on the roster and puts it back, so it reappears one heartbeat later.
- A heartbeat still on its way when its page leaves must not bring the view back for ``STALE_AFTER``
  seconds. ``leave`` first marks the view as left (a tombstone that outlives any entry), then deletes
  the entry; a heartbeat writes its entry and then checks the tombstone, deleting the entry again if the
  view has left. Whichever order the steps interleave in, the entry is gone once both have finished.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

HEARTBEAT_SECONDS = 4
STALE_AFTER = 15
MODES = ("viewing", "editing")
ROSTER_SECONDS = 24 * 3600  # a roster nobody heartbeats into for a day is forgotten
_VIEW_ID = re.compile(r"^[A-Za-z0-9_-]{8,32}$")

Entry = tuple[int, str, str, float]  # user id, name, mode, time of the heartbeat


@dataclass(frozen=True)
class Presence:
    user_id: int
    name: str
    mode: str
    seen_at: float


def _now() -> float:
    return time.time()


def new_view_id() -> str:
    """A fresh id for one rendering of a ticket page."""
    return secrets.token_urlsafe(12)


def valid_view_id(value: str) -> bool:
    return bool(_VIEW_ID.match(value or ""))


def _roster_key(ticket_id: int) -> str:
    return f"presence:ticket:{ticket_id}"


def _entry_key(ticket_id: int, view: str) -> str:
    return f"presence:ticket:{ticket_id}:view:{view}"


def _left_key(ticket_id: int, view: str) -> str:
    return f"presence:ticket:{ticket_id}:left:{view}"


def heartbeat(*, ticket_id: int, view: str, user: Any, mode: str = "viewing") -> list[Presence]:
    """Record that ``user`` has the ticket open in ``view``; return everybody else who has, editors
    first. A view that has left stays gone."""
    now = _now()
    mode = mode if mode in MODES else "viewing"
    entry_key = _entry_key(ticket_id, view)
    if cache.get(_left_key(ticket_id, view)) is None:
        cache.set(entry_key, (user.pk, user.get_full_name() or user.get_username(), mode, now), STALE_AFTER)
        if cache.get(_left_key(ticket_id, view)) is not None:
            cache.delete(entry_key)  # the page left while this heartbeat was on its way
        else:
            _enrol(ticket_id, view)
    return others(ticket_id=ticket_id, user=user, now=now)


def leave(*, ticket_id: int, view: str) -> None:
    """The page of ``view`` has gone: the others stop seeing it at their next heartbeat."""
    cache.set(_left_key(ticket_id, view), True, STALE_AFTER * 2)
    cache.delete(_entry_key(ticket_id, view))


def _enrol(ticket_id: int, view: str) -> None:
    """Put ``view`` on the ticket's roster, dropping views whose entries have expired."""
    roster: list[str] = cache.get(_roster_key(ticket_id)) or []
    if view in roster:
        return
    alive = cache.get_many([_entry_key(ticket_id, v) for v in roster])
    roster = [v for v in roster if _entry_key(ticket_id, v) in alive] + [view]
    cache.set(_roster_key(ticket_id), roster, ROSTER_SECONDS)


def others(*, ticket_id: int, user: Any, now: float | None = None) -> list[Presence]:
    """Everybody but ``user`` with a fresh heartbeat on the ticket, each person once, editors first."""
    now = _now() if now is None else now
    views: list[str] = cache.get(_roster_key(ticket_id)) or []
    entries: list[Entry] = list(cache.get_many([_entry_key(ticket_id, v) for v in views]).values())
    people: dict[int, Presence] = {}
    for uid, name, mode, seen in entries:
        if uid == user.pk or now - seen >= STALE_AFTER:
            continue
        known = people.get(uid)
        if known is None or (mode == "editing" and known.mode != "editing"):
            people[uid] = Presence(user_id=uid, name=name, mode=mode, seen_at=seen)
    return sorted(people.values(), key=lambda p: (p.mode != "editing", p.name))
