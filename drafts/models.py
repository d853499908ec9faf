"""AI drafts, their revisions and traces (built by the drafts issue)."""

from __future__ import annotations
