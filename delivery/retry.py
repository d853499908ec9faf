"""What a failed attempt means: try again later (and when), give up, and whether the address is bad.

Transient failures (4xx, connections, an ESP's 5xx or 429) wait exponentially longer, with jitter so a
crowd of deferred messages does not return at once, each wait at most ``DELIVERY_RETRY_MAX_SECONDS``,
until the message is ``DELIVERY_MAX_AGE_SECONDS`` old (three days, like Postfix's
``maximal_queue_lifetime``). Permanent failures (5xx) end at once; the RFC 3463 status (or, without one,
the server's words) says whether the address itself is bad, which suppresses it
(``helpdesk.mail.bounce_reasons.condemns_address``, shared with the feedback loop).
"""

from __future__ import annotations

import datetime as dt
import random

from django.conf import settings

from delivery.models import Suppression
from helpdesk.mail.bounce_reasons import classify_reason, condemns_address


def next_attempt_at(attempts: int, now: dt.datetime, *, rng: random.Random | None = None) -> dt.datetime:
    """When attempt ``attempts + 1`` is due: base * 2^(attempts - 1), capped, times 0.5..1.5."""
    base = settings.DELIVERY_RETRY_BASE_SECONDS
    wait = min(base * 2 ** max(attempts - 1, 0), settings.DELIVERY_RETRY_MAX_SECONDS)
    jitter = (rng or random).uniform(0.5, 1.5)
    return now + dt.timedelta(seconds=max(1.0, wait * jitter))


def expired(first_due: dt.datetime, now: dt.datetime) -> bool:
    """Whether a message first due at ``first_due`` has been retried long enough."""
    return (now - first_due).total_seconds() >= settings.DELIVERY_MAX_AGE_SECONDS


def bad_address_reason(code: int | None, enhanced: str, text: str, *, command: str = "") -> str:
    """A Suppression.Reason for a permanent refusal that condemns the address, else "".

    The policy is ``helpdesk.mail.bounce_reasons.condemns_address``, the same for bounces that come
    back later; ``command`` is the SMTP command refused (``RCPT`` for a per-recipient refusal)."""
    if code is not None and code < 500 and not enhanced.startswith("5"):
        return ""
    if enhanced.startswith("5.1.3"):
        return Suppression.Reason.INVALID
    status = enhanced or ("5.0.0" if code is None or code >= 500 else "")
    reason = classify_reason(enhanced, f"{code or ''} {text}", command=command)
    return Suppression.Reason.HARD_BOUNCE if condemns_address(reason, status) else ""
