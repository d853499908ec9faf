"""django-q2 entry points (``mail`` cluster). Thin: load by id, call the service."""

from __future__ import annotations

from drafts import generation
from helpdesk.logs import log_context


def generate_draft(draft_id: int) -> str:
    """Generate draft ``draft_id``; returns its resulting status for the task log."""
    with log_context(draft_id=draft_id):
        return str(generation.generate_draft(draft_id=draft_id).status)


def retry_failed_drafts() -> int:
    """Schedule (every few minutes): draft again what failed for a passing reason."""
    return generation.retry_failed_drafts()
