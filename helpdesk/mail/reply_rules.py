"""Lookups built from ``helpdesk.mail.reply_phrases``, and the small string tests on one line. Pure.

Every test answers with the languages whose phrase matched (``"da,no"``), or ``""`` for no match, so
a split can say which rule decided it. Lines are normalised before a lookup (case folded, whitespace
collapsed, decoration and colons stripped), so most tests are one dictionary lookup rather than a
regular expression over every phrase.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from helpdesk.mail.reply_phrases import LANGUAGES

# Marker lines the HTML renderer puts where the HTML shows a quote, a rule or a signature.
QUOTE_MARK = "HELPDESK-QUOTE-MARK-7f3a"
HR_MARK = "HELPDESK-RULE-MARK-7f3a"
SIGNATURE_MARK = "HELPDESK-SIGNATURE-MARK-7f3a"
MARKS = (QUOTE_MARK, HR_MARK, SIGNATURE_MARK)


@dataclass(frozen=True)
class Rule:
    """Why a part of a reply was cut: which rule, on which line (1-based), in which languages."""

    part: str  # "quoted", "forward" or "signature"
    name: str  # e.g. "attribution", "header_block", "separator", "device", "sign_off"
    line: int
    text: str
    language: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "part": self.part,
            "rule": self.name,
            "line": self.line,
            "text": self.text,
            "language": self.language,
        }


def key(text: str) -> str:
    """Case-folded text with whitespace collapsed: the form every phrase is looked up in."""
    return " ".join(text.split()).casefold()


def _index(field: str) -> dict[str, str]:
    found: defaultdict[str, list[str]] = defaultdict(list)
    for code, language in LANGUAGES.items():
        for phrase in getattr(language, field):
            if code not in found[key(phrase)]:
                found[key(phrase)].append(code)
    return {phrase: ",".join(codes) for phrase, codes in found.items()}


HEADER_KINDS = ("from_", "date", "to", "cc", "subject")
# label -> {kind: languages}; "De" is a From label in French, Spanish and Portuguese alike.
_LABELS: dict[str, dict[str, str]] = defaultdict(dict)
for _kind in HEADER_KINDS:
    for _label, _codes in _index(_kind).items():
        _LABELS[_label][_kind.rstrip("_")] = _codes
_SEPARATORS = {**{p: ("forward", c) for p, c in _index("forwarded").items()}}
_SEPARATORS.update({p: ("original", c) for p, c in _index("original").items() if p not in _SEPARATORS})
_SIGN_OFFS = _index("sign_offs")
_THANKS = _index("thanks")
_AND = frozenset(_index("and_"))
_DISCLAIMER = _index("disclaimer")
_MAX_THANKS_WORDS = max(len(p.split()) for p in _THANKS)
_QUOTING = _index("quoting")
_QUOTING_FIRST = frozenset(phrase.split()[0] for phrase in _QUOTING)
_FORWARD_PREFIXES = {p.casefold(): c for p, c in _index("forward_prefixes").items()}
_VERBS = _index("wrote")
_VERBS_FIRST = _index("wrote_first")
_OPENERS = tuple(f"{phrase} " for phrase in _index("opens"))
# An opener inside a line, after a space or dashes: where a lost line break glued an attribution on.
OPENER_INSIDE = re.compile(
    r"(?:\s|-{2,})(" + "|".join(re.escape(p.strip()).replace(r"\ ", r"\s+") for p in _OPENERS) + r")\s",
    re.IGNORECASE,
)
# Verbs of scripts without spaces between words end an attribution without a word boundary.
_CJK_VERBS = tuple(
    v for v in _VERBS if not v.isascii() and not any(ch.isalpha() and ch.isascii() for ch in v)
)
_VERB_ENDINGS = tuple(_VERBS)
VERB_WORDS = tuple(dict.fromkeys(v.split(" ")[-1].split("(")[0] for v in _VERBS))
VERB_WORD_SET = frozenset(VERB_WORDS)
_MAX_SIGN_OFF_WORDS = max(len(p.split()) for p in _SIGN_OFFS)


# -- header blocks ---------------------------------------------------------------------------------
# Windows Mail writes left-to-right marks around every part of a date.
_INVISIBLE = dict.fromkeys(map(ord, "\u200e\u200f\u200b\u2060\ufeff"))
_LABEL = re.compile(r"^[\s>*_]*([^\W\d_][^:：\n]{0,28}?)[\s*_]*[:：]")


def header_label(line: str) -> tuple[dict[str, str], str]:
    """The kinds (from, date, to, cc, subject -> languages) of the header label that starts ``line``.

    Also returns the value after the colon. ``({}, "")`` when the line starts with no known label.
    """
    colon = line.find(":")
    if colon < 0:
        colon = line.find("：")
    if colon < 1 or colon > 40:
        return {}, ""
    match = _LABEL.match(line)
    if not match:
        return {}, ""
    kinds = _LABELS.get(key(match.group(1)))
    if not kinds:
        return {}, ""
    return kinds, line[match.end() :].translate(_INVISIBLE).strip(" \t*_")


_DATE_LABELS = tuple(f"{label} " for label, kinds in _LABELS.items() if "date" in kinds and " " in label)


def dated_line(line: str) -> bool:
    """A header block's date line written without a colon: "Message du 05/03/24 10:15"."""
    lowered = key(line)
    return len(lowered) < 80 and lowered.startswith(_DATE_LABELS) and bool(_DATE_SIGNAL.search(lowered))


# -- separators and intros -------------------------------------------------------------------------
_DECORATION = " \t-_=*~+#•–—"


def separator(line: str) -> tuple[str, str]:
    """``("original" | "forward", languages)`` for "-----Original Message-----", "Begin forwarded
    message:" and their translations; ``("", "")`` otherwise."""
    stripped = line.strip().lstrip(">").strip()
    if len(stripped) < 8 or len(stripped) > 120:
        return "", ""
    decorated = stripped[0] in _DECORATION and stripped[1] in _DECORATION
    intro = stripped.endswith((":", "："))
    if not (decorated or intro):
        return "", ""
    text = key(stripped.strip(_DECORATION).rstrip(":：").strip(_DECORATION))
    found = _SEPARATORS.get(text)
    if found:
        return found
    # Lotus Notes: "----- Forwarded by Anna Berg/ACME on 05.03.2024 10:15 -----".
    if decorated and text.startswith("forwarded by "):
        return "forward", "en"
    return "", ""


def forward_subject(subject: str) -> str:
    """Languages whose forward prefix starts ``subject`` ("Fwd:", "VB:", "WG:"); ``""`` if none."""
    head, colon, _ = subject.strip().partition(":")
    if not colon or len(head) > 12:
        return ""
    return _FORWARD_PREFIXES.get(head.strip(" [").casefold(), "")


# -- attributions ----------------------------------------------------------------------------------
_DATE_SIGNAL = re.compile(r"\d{1,2}[:.]\d{2}\b|\b(?:19|20)\d\d\b|\d{1,2}[./-]\d{1,2}|\d+\s*[年월]")
_ADDRESS = re.compile(r"\S@\S+\.\w|<[^<>\s]+@[^<>\s]+>")


def has_date(text: str) -> bool:
    return bool(_DATE_SIGNAL.search(text))


def has_date_or_address(text: str) -> bool:
    return bool(_DATE_SIGNAL.search(text) or _ADDRESS.search(text))


def opens_attribution(line: str) -> bool:
    """Whether ``line`` starts with a word attributions start with ("On", "Am", "Le", "W dniu")."""
    return key(line).startswith(_OPENERS)


def _tail_form(text: str) -> str:
    """The attribution's text with Zoho's dashes, the colon and a gender ending taken off the end."""
    return key(text).rstrip(_DECORATION).rstrip(":：").rstrip()


def verb_at_end(text: str) -> str:
    """Languages whose writing verb ends ``text`` ("... wrote:", "... napisał(a):", "... 写道：")."""
    tail = _tail_form(text)[-40:]
    if not tail.endswith(_VERB_ENDINGS):
        return ""
    for verb, codes in _VERBS.items():
        if tail.endswith(verb):
            before = tail[: -len(verb)]
            if not before or verb in _CJK_VERBS or not before[-1].isalnum():
                return codes
    return ""


def verb_first(text: str) -> str:
    """Languages where a writing verb comes before the name: "Den ... skrev Anna Berg <a@x.se>:",
    "Anna <a@x.se> schrieb am 5. März 2024, 10:15:", "Anna ezt írta (időpont: 2024. márc. 5.):".

    What follows the verb must be a name, an address or a date, never a sentence.
    """
    if not text.rstrip().endswith((":", "：")):
        return ""
    words = text.split()
    lowered = [w.casefold() for w in words]
    for i in range(len(words) - 1, -1, -1):
        codes = _VERBS_FIRST.get(lowered[i])
        if codes is None:
            continue
        tail = " ".join(words[i + 1 :]).rstrip(":： ")
        if tail and len(tail) <= 120 and (has_date_or_address(tail) or _name_like(tail)):
            return codes
        return ""
    return ""


def _name_like(text: str) -> bool:
    words = [w for w in re.split(r"[\s,]+", text.strip("\"'()")) if w]
    return 1 <= len(words) <= 6 and all(w[:1].isupper() or not w[:1].isalpha() for w in words)


def quoting(text: str) -> str:
    """Languages of a Horde-style attribution: "Quoting Anna Berg <a@x.se>:", "Zitat von Anna:"."""
    stripped = text.strip()
    if (
        not stripped.endswith(":")
        or len(stripped) > 200
        or stripped.split(" ", 1)[0].casefold() not in _QUOTING_FIRST
    ):
        return ""
    lowered = key(stripped)
    for phrase, codes in _QUOTING.items():
        if lowered.startswith(phrase + " "):
            return codes
    return ""


# -- signatures ------------------------------------------------------------------------------------
def _device_pattern(phrases: Iterable[str]) -> str:
    # The slot is the device or app: one to six words without sentence punctuation, a link allowed.
    slot = r"[^\s:,;!?<]+(?:[ \t]+[^\s:,;!?<]+){0,5}?"
    return "|".join(re.escape(p).replace(r"\ ", r"\s+").replace("…", slot) for p in phrases)


_DEVICE_PHRASES = _index("device")
_DEVICE = re.compile(
    rf"^\s*(?:{_device_pattern(_DEVICE_PHRASES)})[ \t]*(?:<[^<>\s]+>)?[ \t]*[.!]?\s*$", re.IGNORECASE
)


# Cheap tests before the pattern: the first word of a device phrase, or its last for "…から送信".
_DEVICE_FIRST = frozenset(p.split()[0] for p in _DEVICE_PHRASES if not p.startswith("…"))
# Phrases whose first word the device name follows without a space ("发自我的iPhone").
_DEVICE_GLUED = tuple(p.split("…")[0] for p in _DEVICE_PHRASES if " " not in p.split("…")[0] and p[0] != "…")
_DEVICE_LAST = tuple(p.split("…")[-1].strip() for p in _DEVICE_PHRASES if p.startswith("…"))


def device(line: str) -> str:
    """Languages of a phone's or app's line: "Sent from my iPhone", "Von meinem iPhone gesendet"."""
    if len(line) > 160:
        return ""
    lowered = line.strip().casefold()
    first = lowered.split(" ", 1)[0]
    known = (
        first in _DEVICE_FIRST
        or lowered.rstrip(" .!").endswith(_DEVICE_LAST)
        or first.startswith(_DEVICE_GLUED)
    )
    if not known or not _DEVICE.match(line):
        return ""
    lowered = key(line)
    for phrase, codes in _DEVICE_PHRASES.items():
        head = phrase.split("…")[0].strip()
        if head and lowered.startswith(head) or not head and lowered.endswith(phrase.split("…")[1].strip()):
            return codes
    return "?"


def _words_and_rest(line: str) -> tuple[list[str], str]:
    text = key(line).strip(" \t-–—")
    return text.split(" "), text


def sign_off(line: str) -> tuple[str, bool]:
    """``(languages, named)`` for a sign-off line: "Mvh", "Best regards,", "Regards, Anna" (named).

    Sentences that merely contain "regards" or "from" are not sign-offs: the phrase must be the
    whole line, or be followed only by a short name. A thanks joined to a sign-off ("Danke und Gruß",
    "Tack och hälsningar") is one too.
    """
    codes, named = _closing(line, _SIGN_OFFS)
    if not codes and (joined := _after_thanks(line)):
        return _closing(joined, _SIGN_OFFS)
    if not codes and len(parts := _BILINGUAL.split(line)) > 1:
        # "Met vriendelijke groet / Kind regards": a sign-off in each of two languages.
        found = [_closing(part, _SIGN_OFFS) for part in parts]
        if all(codes for codes, _ in found):
            return ",".join(codes for codes, _ in found), found[-1][1]
    return codes, named


_BILINGUAL = re.compile(r"\s+[/|]\s+")


def disclaimer(text: str) -> tuple[int, str]:
    """``(markers, languages)`` of a confidentiality notice: how many of the table's disclaimer stems
    ``text`` holds ("confidential" and "intended recipient" are two), and their languages."""
    lowered = key(text)
    found = [codes for stem, codes in _DISCLAIMER.items() if stem in lowered]
    return len(found), ",".join(dict.fromkeys(",".join(found).split(","))) if found else ""


def _after_thanks(line: str) -> str:
    """What follows "<thanks> <and>" at the start of the line, or "" when the line does not start so."""
    words = line.split()
    for n in range(min(len(words) - 2, _MAX_THANKS_WORDS), 0, -1):
        if key(" ".join(words[:n])).rstrip(",.!") in _THANKS and key(words[n]) in _AND:
            return " ".join(words[n + 1 :])
    return ""


def thanks(line: str) -> tuple[str, bool]:
    """``(languages, named)`` for a closing thanks: "Tack!", "Thanks, Anna" (named)."""
    return _closing(line, _THANKS)


def _closing(line: str, table: dict[str, str]) -> tuple[str, bool]:
    if len(line) > 60:
        return "", False
    words, _ = _words_and_rest(line)
    for n in range(min(len(words), _MAX_SIGN_OFF_WORDS + 1), 0, -1):
        head = " ".join(words[:n]).rstrip(",.!:;")
        codes = table.get(head)
        if codes is None:
            continue
        rest = " ".join(line.split()[n:]).strip(" ,.!:;-/")
        if not rest and not line.strip().endswith("?"):
            return codes, False
        if rest and _name_like(rest) and len(rest.split()) <= 3:
            return codes, True
        return "", False
    return "", False
