"""The errors of the draft services; ``str(error)`` is a sentence for the user."""

from __future__ import annotations

from django.utils.translation import gettext as _


class DraftError(Exception):
    """Base of every error a draft service raises; ``str(error)`` is a sentence for the user."""


class NotAllowed(DraftError):
    def __init__(self, message: str, reasons: list[str] | None = None) -> None:
        super().__init__(message)
        self.reasons = reasons or []


class StaleDraft(DraftError):
    """The draft changed since the caller loaded it (optimistic locking on ``Draft.version``)."""

    def __init__(self, *, expected: int, current: int) -> None:
        super().__init__(
            _(
                "This draft was changed by someone else (version %(current)d, you had %(expected)d). "
                "Reload it."
            )
            % {"current": current, "expected": expected}
        )
        self.expected = expected
        self.current = current


class InvalidState(DraftError):
    pass


class InvalidInput(DraftError):
    pass


class UndoRefused(InvalidState):
    """The approval can no longer be undone (the window passed, or the reply is already on its way)."""
