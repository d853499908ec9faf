"""Step 3 of drafting, offline: the embedded drafter.

It fills the admin's ``ReplyTemplate`` of every intent the mail asks about (the main one first, each
part answered in turn) in the reply's language, with values taken only from retrieved facts
(``drafts.reply_context``), between the language's greeting and closing. Its own notes say what it
could not look up, cannot find, withholds or thinks was mistyped. A paragraph or line that says what
an earlier one said is left out. A reviewer's instruction makes it shorter, longer, more formal or
friendlier, or writes it in another language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.template import Context, Engine

from drafts import isolation
from drafts.ground import Grounding
from drafts.language import language_named
from drafts.models import BrandVoice, ReplyTemplate
from drafts.reply_context import ContextBuilder
from drafts.understand import Understanding
from drafts.wording import join_list, note, record_label
from helpdesk.models import Contact, Message, Ticket

DRAFTER = "embedded"
DRAFTER_VERSION = "2.0"
ENGINE = Engine(autoescape=False)
_SHORT = re.compile(r"\b(short|shorter|brief|concise|kort|kortare|kortfattad|kürzer|knapp)\w*", re.I)
_LONG = re.compile(
    r"\b(longer|more detail|detailed|längre|utförlig|mer detalj|lengre|længere|ausführlich|länger)\w*", re.I
)
_FORMAL = re.compile(r"\b(formal|formell|formellt|formellare|more polite|artigare|förmlich)\w*", re.I)
_FRIENDLY = re.compile(
    r"\b(friendl|warmer|casual|informal|less formal|vänlig|trevlig|varmare|personlig|ledig|mindre formell|"
    r"vennlig|venlig|freundlich|lockerer)\w*",
    re.I,
)
# Intents whose reply says the same as another's: only the first is written.
_SAME_ANSWER = [{"order_status", "delivery_eta"}]


class ComposeError(Exception):
    """The drafter could not produce a text (no template, a broken template)."""


@dataclass
class Style:
    short: bool = False
    long: bool = False
    formal: bool = False
    friendly: bool = False
    unsupported: str = ""

    @classmethod
    def from_instruction(cls, instruction: str) -> Style:
        friendly = bool(_FRIENDLY.search(instruction))
        style = cls(
            short=bool(_SHORT.search(instruction)),
            long=bool(_LONG.search(instruction)),
            formal=bool(_FORMAL.search(instruction)) and not friendly,
            friendly=friendly,
        )
        style.long = style.long and not style.short
        understood = (
            style.short or style.long or style.formal or style.friendly or language_named(instruction)
        )
        if instruction.strip() and not understood:
            style.unsupported = instruction.strip()
        return style


@dataclass
class Composition:
    subject: str
    body: str
    cited: list[str]
    trusted_texts: list[str] = field(default_factory=list)
    extra_problems: list[dict[str, Any]] = field(default_factory=list)


def compose_embedded(
    *,
    ticket: Ticket,
    message: Message,
    understanding: Understanding,
    grounding: Grounding,
    instruction: str = "",
) -> Composition:
    language = understanding.language
    style = Style.from_instruction(instruction)
    templates = load_templates(intents=understanding.intents or [understanding.intent], language=language)
    voice = load_voice(language)
    used: set[str] = set()
    builder = ContextBuilder(grounding=grounding, message=message, language=language, used=used)
    notes = drafter_notes(grounding, language)
    flags = {
        "short": style.short,
        "long": style.long,
        "formal": style.formal,
        "friendly": style.friendly,
        "noted": bool(notes),
    }
    context = builder.build(understanding=understanding, flags=flags)
    names = reply_names(greeting_name(understanding, ticket.contact), voice, style, language)
    if "legal_claim" in understanding.intents:
        context["knowledge"] = []  # under a legal claim the reply commits to nothing, not even the terms
    try:
        sections = [
            ENGINE.from_string(t.body).render(Context({**context, "first": index == 0}, autoescape=False))
            for index, t in enumerate(templates)
        ]
        # The subject is plain text, never HTML: "Q&A: O'Brien's" stays as the customer wrote it.
        subject = ENGINE.from_string(templates[0].subject).render(
            Context(
                {"subject": _plain_subject(ticket.subject), "reference": ticket.reference}, autoescape=False
            )
        )
    except Exception as exc:  # an admin's template can fail in many ways; the draft shows how
        raise ComposeError(f"reply template {templates[0]} is broken: {exc}") from exc
    friendly = note("friendly", language) if style.friendly else ""
    paragraphs = unique_paragraphs([tidy(section) for section in sections] + notes)
    parts = [names["greeting"], *paragraphs, friendly, f"{names['closing']}\n{names['signature']}"]
    return Composition(
        subject=_subject_line(subject, ticket),
        body="\n\n".join(part for part in parts if part.strip()),
        cited=sorted(used),
        # The notes are not trusted: the keys in them ("We cannot find order 999999") are the
        # customer's, unchecked or not found, and must be shown as theirs.
        trusted_texts=[*(t.body for t in templates), templates[0].subject, *names.values(), friendly],
        extra_problems=_problems(style, builder.untranslated, language),
    )


def load_templates(*, intents: list[str], language: str) -> list[ReplyTemplate]:
    """The active template of each intent in ``language``, in the order asked (an intent without one
    gets the language's ``other`` template, once); one per answer."""
    wanted = list(dict.fromkeys(intents))
    for group in _SAME_ANSWER:
        firsts = [intent for intent in wanted if intent in group]
        wanted = [intent for intent in wanted if intent not in group or intent == firsts[0]]
    found = {
        t.intent: t
        for t in ReplyTemplate.objects.filter(active=True, language=language, intent__in=[*wanted, "other"])
    }
    chosen = list(dict.fromkeys(found.get(intent) or found.get("other") for intent in wanted))
    templates = [template for template in chosen if template is not None]
    # A legal claim decides who reviews the reply (it is the main intent), but its words about passing
    # the matter on close the reply, after the answers to the other parts.
    templates.sort(key=lambda template: template.intent == "legal_claim")
    if not templates:
        raise ComposeError(f"no active reply template for {wanted!r} in {language!r}")
    return templates


def load_template(*, intent: str, language: str) -> tuple[ReplyTemplate, BrandVoice]:
    """The active template for the intent and language (else the language's ``other`` template)."""
    return load_templates(intents=[intent], language=language)[0], load_voice(language)


def load_voice(language: str) -> BrandVoice:
    voice = BrandVoice.objects.filter(language=language).first()
    if voice is None:
        raise ComposeError(f"no brand voice for {language!r}")
    return voice


def drafter_notes(grounding: Grounding, language: str) -> list[str]:
    """The drafter's own sentences about what it could not look up, cannot find, withholds, or thinks
    the customer mistyped."""
    notes = []
    missing = grounding.missing("unavailable") + grounding.missing("misconfigured")
    if missing:
        notes.append(note("unavailable", language, things=_things(missing, language)))
    near = [p for p in grounding.problems if p.get("kind") in isolation.NEAR_MISS_KINDS]
    near_keys = {(p["what"], p["key"]) for p in near}
    not_found = [item for item in grounding.missing("not_found") if item not in near_keys]
    if not_found:
        notes.append(note("not_found", language, things=_things(not_found, language)))
    for problem in near:
        notes.append(
            note(
                "near_miss",
                language,
                typed=record_label(problem["what"], problem["key"], language),
                suggestion=record_label(problem["what"], problem["suggestion"], language),
            )
        )
    withheld = [(i["what"], i["key"]) for i in grounding.withheld if (i["what"], i["key"]) not in near_keys]
    if withheld:
        notes.append(note("withheld", language, things=_things(withheld, language)))
    return notes


def _things(items: list[tuple[str, str]], language: str) -> str:
    return join_list((record_label(what, key, language) for what, key in items), language)


def _problems(style: Style, untranslated: list[str], language: str) -> list[dict[str, Any]]:
    problems: list[dict[str, Any]] = []
    if style.unsupported:
        problems.append({"kind": "instruction_ignored", "detail": style.unsupported})
    if untranslated:
        problems.append({"kind": "untranslated", "language": language, "detail": "; ".join(untranslated)})
    return problems


def tidy(text: str) -> str:
    """Strip trailing spaces and collapse the blank lines template tags leave behind."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def unique_paragraphs(parts: list[str]) -> list[str]:
    """The paragraphs of ``parts`` without any line that says what an earlier line said (the same
    words, ignoring parentheses and punctuation), and without the paragraphs left empty."""
    seen: set[str] = set()
    result = []
    for part in parts:
        for paragraph in part.split("\n\n"):
            kept = []
            for line in paragraph.splitlines():
                key = _gist(line)
                if key and key in seen:
                    continue
                if key and not line.lstrip().startswith("-"):
                    seen.add(key)
                kept.append(line)
            text = "\n".join(kept).strip()
            if text:
                result.append(text)
    return result


def _gist(line: str) -> str:
    without = re.sub(r"\([^)]*\)", " ", line.lower())
    return " ".join(re.findall(r"[\wåäöæøüß]+", without))


def greeting_name(understanding: Understanding, contact: Contact | None) -> str:
    """Whom to greet: the name the mail is signed with, else the contact's first name."""
    if understanding.signer:
        return understanding.signer
    return (contact.name or "").split(" ")[0] if contact is not None and contact.name else ""


def reply_names(name: str, voice: BrandVoice, style: Style, language: str) -> dict[str, str]:
    context = Context({"name": name, "team": settings.HELPDESK_NAME}, autoescape=False)
    greeting = voice.formal_greeting if style.formal else voice.greeting
    closing = voice.formal_closing if style.formal else voice.closing
    try:
        return {
            "greeting": tidy(ENGINE.from_string(greeting).render(context)),
            "closing": tidy(ENGINE.from_string(closing).render(context)),
            "signature": tidy(ENGINE.from_string(voice.signature).render(context)),
        }
    except Exception as exc:  # as for templates: the draft fails with the reason
        raise ComposeError(f"brand voice {language!r} is broken: {exc}") from exc


def _plain_subject(subject: str) -> str:
    return re.sub(r"^\s*((re|sv|aw|vs|fw|fwd|wg)\s*:\s*)+", "", subject, flags=re.IGNORECASE).strip()


def _subject_line(subject: str, ticket: Ticket) -> str:
    subject = " ".join(subject.split())
    if ticket.reference not in subject:
        subject = f"{subject} {ticket.reference}"
    return subject[:998]
