"""The Swedish catalogue is complete and its compiled .mo matches the .po."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "sv" / "LC_MESSAGES"
ENTRY = re.compile(
    r'^(?:msgctxt "((?:[^"\\]|\\.)*)"\n)?msgid "((?:[^"\\]|\\.)+)"\nmsgstr "((?:[^"\\]|\\.)*)"$', re.MULTILINE
)

PLURAL = re.compile(
    r'^msgid "((?:[^"\\]|\\.)+)"\nmsgid_plural "((?:[^"\\]|\\.)+)"\n'
    r'((?:msgstr\[\d+\] "(?:[^"\\]|\\.)*"\n?)+)',
    re.MULTILINE,
)
FORM = re.compile(r'^msgstr\[\d+\] "((?:[^"\\]|\\.)*)"$', re.MULTILINE)


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


def _plural_entries() -> list[tuple[str, str, list[str]]]:
    source = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    return [
        (_unescape(msgid), _unescape(plural), [_unescape(form) for form in FORM.findall(forms)])
        for msgid, plural, forms in PLURAL.findall(source)
    ]


def test_every_plural_form_is_translated_and_compiled() -> None:
    """Plural entries (``ngettext``, ``{% blocktranslate count %}``) have msgstr[0] and msgstr[1]."""
    entries = _plural_entries()
    assert entries, "no plural entries found: is the pattern still right?"
    assert [msgid for msgid, _plural, forms in entries if len(forms) != 2 or not all(forms)] == []
    with (CATALOGUE / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    stale = [
        msgid
        for msgid, plural, forms in entries
        if [catalogue.ngettext(msgid, plural, 1), catalogue.ngettext(msgid, plural, 2)] != forms
    ]
    assert stale == [], "run `make messages` to recompile django.mo"


def test_no_fuzzy_entries() -> None:
    source = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    assert not re.search(r"^#,.*\bfuzzy\b", source, re.MULTILINE), "review the fuzzy entries"
