"""The texts of replies in the five languages a customer may write in: default templates per intent,
brand voices, and the words the embedded drafter puts around facts (status labels, units, notes).

Replies are customer content in the customer's language, chosen per draft; they are not the operator
interface (which speaks Swedish and English through gettext). Admins edit templates and brand voices
in admin; the words here are the drafter's own and change with the code.
"""

from __future__ import annotations

from typing import Any

from drafts.reply_texts import da, de, en, nb, sv

_MODULES = {"sv": sv, "en": en, "nb": nb, "da": da, "de": de}
REPLY_LANGUAGES = tuple(_MODULES)
FALLBACK = "en"


def words(language: str) -> dict[str, Any]:
    """The drafter's words in ``language`` (English for a language without its own)."""
    return dict(_MODULES.get(language, _MODULES[FALLBACK]).WORDS)


def templates() -> dict[tuple[str, str], str]:
    """Every default template, by (intent, language)."""
    return {
        (intent, language): body
        for language, module in _MODULES.items()
        for intent, body in module.TEMPLATES.items()
    }


def brand_voices() -> dict[str, dict[str, str]]:
    return {language: dict(module.BRAND_VOICE) for language, module in _MODULES.items()}
