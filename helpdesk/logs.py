"""Log context for operations: the ids a log line is about (request, ticket, message, draft, outbound
message, mailbox), carried in a context variable so every line written inside ``log_context`` names
them, and a filter that puts them on each record and keeps addresses out of the text.

Used with ``LOG_FORMAT=json`` (python-json-logger writes one JSON object a line); the plain format
shows the same message text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

FIELDS = ("request_id", "ticket_id", "message_id", "draft_id", "outbound_id", "mailbox_id")
_context: ContextVar[dict[str, Any] | None] = ContextVar("helpdesk_log_context", default=None)
# An address in the text of a log line (an IMAP error quoting a login, a refused recipient): ids are
# what logs may carry, never the people behind them.
_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")


@contextmanager
def log_context(**ids: Any) -> Iterator[None]:
    """Every line logged inside names ``ids`` (names from ``FIELDS``) besides the outer context's."""
    unknown = set(ids) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown log context field(s): {', '.join(sorted(unknown))}")
    token = _context.set({**(_context.get() or {}), **{k: v for k, v in ids.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


def bind(**ids: Any) -> None:
    """Add ``ids`` to the innermost ``log_context`` (for what a request learns on its way, such as the
    ticket its URL names); without one, nothing happens."""
    context = _context.get()
    if context is not None:
        context.update({k: v for k, v in ids.items() if k in FIELDS and v is not None})


def current() -> dict[str, Any]:
    return dict(_context.get() or {})


def redact(text: str) -> str:
    return _ADDRESS.sub("[address]", text)


class ContextFilter(logging.Filter):
    """Adds the context's ids to each record (as attributes, so the JSON formatter writes them) and
    replaces e-mail addresses in the message and the exception text."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in current().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        try:
            record.msg, record.args = redact(record.getMessage()), None
        except Exception:  # noqa: BLE001 - a malformed log call is the formatter's to report, not ours
            return True
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
