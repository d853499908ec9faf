"""What every app's GDPR section is: export a contact's rows, and erase the personal data in them.

A *section* (``Section``) belongs to the app that owns its tables (``helpdesk.gdpr.sections``,
``drafts.gdpr``, ``delivery.gdpr``); ``privacy.registry`` lists them in the order they run. Each section
gets the same ``Subject``: the contact, every address and name that identify the person, and the
pseudonym that replaces them. Sections never touch rows that belong to another person: they erase the
subject's own rows (blanking texts) and, in rows of others that merely mention the subject, replace
only the subject's addresses and names (``Subject.redact_text`` / ``redact_json``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

from django.db.models import Model, Q

# Needles shorter than this are never replaced: a two-letter name would shred every other text.
MIN_NEEDLE = 3
ERASED_DOMAIN = "erased.invalid"


@dataclass(frozen=True)
class Subject:
    """The person being exported or erased: ``contact_id``, their lower-case addresses, their names,
    and the pseudonym (``erased-`` and 12 hex digits) that takes their place after erasure."""

    contact_id: int
    addresses: tuple[str, ...]
    names: tuple[str, ...] = ()
    pseudonym: str = ""
    # Who erases (a user name), for the audit log's own record of its rewrite.
    actor_label: str = "privacy"
    # Rows a section found and the next sections need (e.g. the ids of the subject's messages).
    found: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def pseudonym_address(self) -> str:
        return f"{self.pseudonym}@{ERASED_DOMAIN}"

    @property
    def needles(self) -> tuple[str, ...]:
        """The strings that identify the person, longest first (so a name inside an address goes whole)."""
        values = {
            value.strip() for value in (*self.addresses, *self.names) if len(value.strip()) >= MIN_NEEDLE
        }
        return tuple(sorted(values, key=len, reverse=True))

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        if not self.needles:
            return None
        # Not inside a longer address or word: "ann@x.se" must not eat "joann@x.se".
        alternatives = "|".join(re.escape(needle) for needle in self.needles)
        return re.compile(rf"(?<![\w.+-])(?:{alternatives})(?![\w-]|\.\w)", re.IGNORECASE)

    def is_own_address(self, address: str) -> bool:
        return address.strip().lower() in self.addresses

    def mentioned_in(self, text: str) -> bool:
        return bool(self._pattern and self._pattern.search(text))

    def redact_text(self, text: str) -> str:
        """``text`` with every address and name of the subject replaced by the pseudonym."""
        if not text or self._pattern is None:
            return text
        return self._pattern.sub(self.pseudonym, text)

    def redact_json(self, value: Any) -> Any:
        """``redact_text`` over every string of a JSON value, keys included (attempts key by address)."""
        if isinstance(value, str):
            return self.redact_text(value)
        if isinstance(value, list):
            return [self.redact_json(item) for item in value]
        if isinstance(value, dict):
            return {self.redact_text(str(key)): self.redact_json(item) for key, item in value.items()}
        return value

    def redact_addresses(self, addresses: Iterable[str]) -> list[str]:
        """An address list with the subject's own addresses replaced by the pseudonymous address."""
        return [self.pseudonym_address if self.is_own_address(value) else value for value in addresses]

    def mentions(self, *fields: str) -> Q:
        """Rows whose ``fields`` contain one of the needles (a coarse filter; check rows with
        ``mentioned_in`` or ``is_own_address`` before acting on them)."""
        query = Q(pk__in=[])
        for name in fields:
            for needle in self.needles:
                query |= Q(**{f"{name}__icontains": needle})
        return query


@dataclass(frozen=True)
class ExportFile:
    """One file of the export's zip: a path inside it and its bytes, read only when written."""

    name: str
    read: Callable[[], Iterator[bytes]]


class Section(Protocol):
    """One app's part of a contact's data. ``export`` yields JSON-ready dicts (dates may stay dates),
    ``files`` the raw mail and attachments for the zip, ``erase`` removes the personal data and returns
    how many rows it changed. ``erase`` runs inside the erasure's transaction."""

    name: str

    def export(self, subject: Subject) -> Iterator[dict[str, Any]]: ...

    def files(self, subject: Subject) -> Iterator[ExportFile]: ...

    def erase(self, subject: Subject) -> int: ...


def fields_of(obj: Model, names: Iterable[str]) -> dict[str, Any]:
    """``obj``'s attributes ``names`` as a dict (foreign keys by their ``_id``)."""
    return {name: getattr(obj, name) for name in names}


def chunked(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]
