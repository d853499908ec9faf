"""What a drafter (the embedded one or the LLM) hands to verification, and how drafting fails.

Shared by ``pipeline`` and ``llm`` so neither imports the other for its types (``pipeline`` imports
``llm`` only when a model is configured, to keep LangChain out of processes that never use it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from integrations import serialize


class DraftingFailed(Exception):
    """No usable text: the reason is shown on the draft; ``trace`` holds what was done. ``transient``:
    the model timed out, could not be reached or kept answering garbage, so trying later may work."""

    def __init__(self, reason: str, trace: dict[str, Any] | None = None, *, transient: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.trace = trace or {}
        self.transient = transient


@dataclass
class Composed:
    """What either drafter hands to verification."""

    subject: str
    body: str
    cited: list[str]
    trusted_texts: list[str]
    drafter: str
    drafter_version: str
    model_name: str = ""
    prompt_version: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    input_tokens: int | None = None
    output_tokens: int | None = None
    attempts: int = 0
    extra_problems: list[dict[str, Any]] = field(default_factory=list)


def local_time(value: object) -> object:
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def json_value(value: object) -> object:
    """A fact value as JSON, aware datetimes in local time (the date a reply states)."""
    return serialize.json_value(local_time(value))
