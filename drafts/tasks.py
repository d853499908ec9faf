"""django-q2 entry points (``mail`` cluster). Thin: load by id, call the service."""

from __future__ import annotations

from drafts import services


def generate_draft(draft_id: int) -> str:
    """Generate draft ``draft_id``; returns its resulting status for the task log."""
    return str(services.generate_draft(draft_id=draft_id).status)
