"""Test-only fault injection for the crash tests of ingest and of the sending worker.

``fault_point("stored")`` does nothing unless the environment variable ``HELPDESK_INGEST_FAULT`` names
that point. Then the process dies on the spot (``os._exit``), as a power cut or an OOM kill would, or,
with ``HELPDESK_INGEST_FAULT_MODE=raise``, an ``InjectedCrash`` (a BaseException no handler catches)
unwinds the call as an in-process stand-in. Production never sets the variable.
"""

from __future__ import annotations

import os

FAULT_ENV = "HELPDESK_INGEST_FAULT"
MODE_ENV = "HELPDESK_INGEST_FAULT_MODE"
EXIT_CODE = 97

# In pipeline order; the crash tests run one crash at each.
POINTS = (
    "fetched",  # raw bytes in memory, nothing stored yet
    "stored",  # raw rows written, store transaction not committed
    "store_committed",  # raw rows committed, nothing parsed
    "parsed",  # parsed, processing transaction not begun
    "threaded",  # tickets and messages written, processing transaction not committed
    "processed",  # processing committed, server not yet told
    "flagged",  # server flagged/moved, our record of that not yet written
)
# The sending worker's points (delivery.queue), in order.
SEND_POINTS = (
    "send_claimed",  # message claimed, nothing handed over
    "send_committing",  # attempt on record, the final dot of DATA not yet sent
    "send_answered",  # the server took the message, its answer not yet recorded
)


class InjectedCrash(BaseException):
    """Raised at a fault point in ``raise`` mode; BaseException so ``except Exception`` cannot swallow it."""


def fault_point(name: str) -> None:
    if os.environ.get(FAULT_ENV) != name:
        return
    if os.environ.get(MODE_ENV) == "raise":
        raise InjectedCrash(name)
    os._exit(EXIT_CODE)
