"""The Swedish catalogue is complete and its compiled .mo matches the .po."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "sv" / "LC_MESSAGES"
ENTRY = re.compile(
    r'^(?:msgctxt "((?:[^"\\]|\\.)*)"\n)?msgid "((?:[^"\\]|\\.)+)"\nmsgstr "((?:[^"\\]|\\.)*)"$', re.MULTILINE
)


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def _entries(*, with_context: bool = False) -> list[tuple[str, ...]]:
    source = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    entries: list[tuple[str, ...]] = [
        (_unescape(ctx), _unescape(msgid), _unescape(msgstr)) for ctx, msgid, msgstr in ENTRY.findall(source)
    ]
    return entries if with_context else [entry[1:] for entry in entries]


def test_every_swedish_string_is_translated() -> None:
    entries = _entries()
    assert len(entries) > 50
    untranslated = [msgid for msgid, msgstr in entries if not msgstr]
    assert untranslated == [], "run `make messages` and translate these"


def test_compiled_catalogue_matches_the_source() -> None:
    with (CATALOGUE / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    stale = [
        msgid
        for ctx, msgid, msgstr in _entries(with_context=True)
        if (catalogue.pgettext(ctx, msgid) if ctx else catalogue.gettext(msgid)) != msgstr
    ]
    assert stale == [], "run `make messages` to recompile django.mo"
