"""The Swedish catalogue is complete and its compiled .mo matches the .po."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "sv" / "LC_MESSAGES"
ENTRY = re.compile(r'^msgid "((?:[^"\\]|\\.)+)"\nmsgstr "((?:[^"\\]|\\.)*)"$', re.MULTILINE)


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def _entries() -> list[tuple[str, str]]:
    source = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    return [(_unescape(msgid), _unescape(msgstr)) for msgid, msgstr in ENTRY.findall(source)]


def test_every_swedish_string_is_translated() -> None:
    entries = _entries()
    assert len(entries) > 50
    untranslated = [msgid for msgid, msgstr in entries if not msgstr]
    assert untranslated == [], "run `make messages` and translate these"


def test_compiled_catalogue_matches_the_source() -> None:
    with (CATALOGUE / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    stale = [msgid for msgid, msgstr in _entries() if catalogue.gettext(msgid) != msgstr]
    assert stale == [], "run `make messages` to recompile django.mo"
