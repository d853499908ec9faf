"""Where the signature starts in the sender's own lines of a reply. Pure.

Families, strongest first: the "-- " delimiter (and "--", "—", "__"), a phone's or app's line ("Sent
from my iPhone" in the table's languages), a rule line above name-like lines, a sign-off ("Mvh",
"Best regards", "Hilsen") or a closing thanks followed by a name, the sender's own name, a "-Anna" or
"/Anna" line, and a block of name, title and contact lines (phone, address, web site). Only the last
lines are searched, and all lines after a sign-off must be short, so a sentence that merely contains
"regards" or "from" is never a signature. Only the strong families (delimiter, device line) may take
the whole text: a mail that is only "Sent from my iPhone" has no visible text, while one that is only
"Thanks!" is a reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from helpdesk.mail import reply_rules as rules
from helpdesk.mail.history import RULE_LINE

_DELIMITER = re.compile(r"^(?:--|-- |—|__|–)\s*$")
_DASH_NAME = re.compile(r"^\s*[-~/]\s?(?=[^\W\d_])\w[\w.'-]*(?:\s+[^\W\d_][\w.'-]*){0,3}\s*$")
_PHONE = re.compile(r"(?:\+|\b0|\(\d)[\d\s().-]{6,}\d|\b\d{3}[\s.-]\d{3}[\s.-]\d{4}\b")
_CONTACT = re.compile(
    r"\S@\S+\.\w|https?://|\bwww\.|^\s*(?:tel|phone|mobile|mob|cell|fax|tfn|telefon|tél|puh|gsm|skype|"
    r"[tmfpe])\s*[.:]",
    re.IGNORECASE,
)
_MAX_LINES = 14
_SHORT = 80


@dataclass(frozen=True)
class Found:
    index: int
    rule: str
    language: str = ""
    strong: bool = False


def signature_start(lines: list[str], sender: tuple[str, ...] = (), floor: int = 0) -> Found | None:
    """The first line of the signature in ``lines`` (the sender's own text, quotes removed), at or
    below ``floor``.

    A confidentiality notice at the end is passed over: the signature is looked for above it, and
    the notice itself starts the signature only when it is plainly one (two of the table's markers),
    so a customer's own "please keep this confidential" is never hidden.
    """
    found = _signature_above(lines, sender, floor)
    if found is not None:
        return found
    notice = _trailing_disclaimer(lines)
    if notice is None or notice[0] < floor:
        return None
    start, markers, language = notice
    found = _signature_above(lines[:start], sender, floor)
    if found is None and markers >= 2:
        found = Found(start, "disclaimer", language)
    return found


def _trailing_disclaimer(lines: list[str]) -> tuple[int, int, str] | None:
    """``(first line, markers, languages)`` of a notice in the last paragraphs, under text of the
    sender's own: long prose holding a disclaimer marker."""
    end, start, markers, languages = len(lines), None, 0, ""
    for _ in range(3):  # a notice may come in a few paragraphs (several languages, a virus line)
        while end and not lines[end - 1].strip():
            end -= 1
        top = end
        while top and lines[top - 1].strip():
            top -= 1
        paragraph = " ".join(lines[top:end])
        count, codes = rules.disclaimer(paragraph)
        if not top or not count or len(paragraph) < 80:
            break
        start, markers, languages, end = top, markers + count, languages or codes, top
    if start is None or not any(line.strip() for line in lines[:start]):
        return None
    return start, markers, languages


def _signature_above(lines: list[str], sender: tuple[str, ...], floor: int = 0) -> Found | None:
    content = [i for i, line in enumerate(lines) if line.strip()]
    window = [i for i in content[-_MAX_LINES:] if i >= floor]
    # Whether every line after position n of the window is short, computed once from the end.
    short = [True] * (len(window) + 1)
    for n in range(len(window) - 1, -1, -1):
        short[n] = short[n + 1] and len(lines[window[n]]) <= _SHORT
    for n, i in enumerate(window):
        rest = window[n + 1 :]
        found = _starts_here(lines, i, rest, sender, short[n + 1])
        # Only a delimiter or a device line may take everything: "Thanks, Anna." opening a mail is
        # the reply's first line, and a later line may still start the signature.
        if found and (found.strong or i > content[0]):
            return found
    # "-- " far above the end is still the RFC 3676 delimiter.
    far = next((i for i in content if i >= floor and lines[i] == "-- "), None)
    return Found(far, "delimiter", strong=True) if far is not None else None


def _starts_here(
    lines: list[str], i: int, rest: list[int], sender: tuple[str, ...], short_after: bool
) -> Found | None:
    line = lines[i]
    if _DELIMITER.match(line):
        return Found(i, "delimiter", strong=True)
    language = rules.device(line)
    if language:
        return Found(i, "device", language, strong=True)
    if RULE_LINE.match(line) and rest and short_after and _rule_above_signature(lines, i, rest):
        return Found(i, "rule_line")
    if not short_after or len(rest) > _MAX_LINES - 1:
        return None
    language, named = rules.sign_off(line)
    # A company's signature may run to a dozen lines under the sign-off, a name first.
    if language and (len(rest) <= 8 or _looks_like_name(lines[rest[0]])):
        return Found(i, "sign_off", language)
    if len(rest) > 8:
        return None
    language, named = rules.thanks(line)
    if language and (named or _name_follows(lines, rest)):
        return Found(i, "thanks", language)
    if sender and len(line) <= 60 and _names_sender(line, sender):
        return Found(i, "sender_name")
    if _DASH_NAME.match(line) and len(rest) <= 6 and _capitalised(line.strip(" -~/")):
        return Found(i, "dash_name")
    if _contact_block(lines, i, rest):
        return Found(i, "contact_block")
    if not rest and _signed_name(lines, i):
        return Found(i, "name_line")
    return None


def closing_above(lines: list[str], index: int) -> Found | None:
    """A closing paragraph right above a signature another rule found belongs to it: "Gracias" and
    "Lucía" over "Sent from Yahoo Mail", "Hälsningar" and "Lars" over Gmail's signature block, "Kind
    regards," over a name and phone block. That is a sign-off alone or over a name, or a thanks over a
    name; a bare "Thanks!" or "Thanks in advance." stays the writer's sentence. A sign-off (never a
    thanks) may take the whole mail: "Kind regards," over a contact block is a signature only.
    """
    end = index
    while end and not lines[end - 1].strip():
        end -= 1
    top = end
    while top and lines[top - 1].strip():
        top -= 1
    paragraph = lines[top:end]
    if not 1 <= len(paragraph) <= 2 or (len(paragraph) == 2 and not _looks_like_name(paragraph[1])):
        return None
    language, named = rules.sign_off(paragraph[0])
    if language:
        return Found(top, "sign_off", language, strong=True)
    language, named = rules.thanks(paragraph[0])
    if language and (named or len(paragraph) == 2):
        return Found(top, "thanks", language)
    return None


def _name_follows(lines: list[str], rest: list[int]) -> bool:
    """After a closing thanks: a name alone, or a name over title and contact lines."""
    if not rest or not _looks_like_name(lines[rest[0]]):
        return False
    return len(rest) <= 3 or any(_PHONE.search(lines[j]) or _CONTACT.search(lines[j]) for j in rest)


def _signed_name(lines: list[str], i: int) -> bool:
    """The last paragraph is one line of one to three capitalised words, as a person signs with a
    first name ("Lucy", "Anna B"), under text of their own."""
    line = lines[i].strip()
    words = line.split()
    if not 1 <= len(words) <= 3 or len(line) > 30 or not i or lines[i - 1].strip():
        return False
    if rules.thanks(line)[0]:
        return False  # "Tack" alone closes the reply; it is not a name
    if not any(lines[j].strip() for j in range(i - 1)):
        return False  # nothing written above: the one word is the reply
    # A word ending in a full stop is an initial ("Anna B.") or the end of a one-word reply ("Svar.").
    initials = all(len(w) <= 2 for w in words if w.endswith("."))
    letters = all(w[:1].isupper() and w.replace(".", "").replace("-", "").isalpha() for w in words)
    return initials and letters and not (len(line) > 1 and line.isupper())


def _rule_above_signature(lines: list[str], i: int, rest: list[int]) -> bool:
    """A rule line separates a signature when what follows starts like one (a name, a logo, a
    contact line), never a sentence or a list; a rule right under a line is a heading's underline."""
    if i and lines[i - 1].strip():
        return False
    first = lines[rest[0]]
    return (_looks_like_name(first) and not first.lstrip()[:1].isdigit()) or bool(_CONTACT.search(first))


def _capitalised(text: str) -> bool:
    return all(word[:1].isupper() for word in text.split() if word[:1].isalpha())


def _sentence(line: str) -> bool:
    return line.rstrip().endswith((".", "?", "!")) and len(line.split()) >= 5


def _looks_like_name(line: str) -> bool:
    words = line.split()
    if not any(ch.isalpha() for ch in line):
        return False  # "--", "___", a number: a delimiter or a figure, never a name
    return 1 <= len(words) <= 4 and len(line) <= 40 and not line.rstrip().endswith((".", "?", ":"))


def _person_name(line: str) -> bool:
    """Two to four capitalised words, as a person signs: "Anna Berg", "John E. Doe, Ph.D."."""
    words = line.replace(",", " ").split()
    if not 2 <= len(words) <= 5 or len(line) > 50 or line.rstrip().endswith((":", "?", "!")):
        return False
    if any(w.isdigit() for w in words):
        return False  # "Teollisuuskatu 8, 33100 Tampere": an address, not a person
    letters = [w for w in words if w[:1].isalpha()]
    return len(letters) >= 2 and all(w[:1].isupper() for w in letters)


def _contact_block(lines: list[str], i: int, rest: list[int]) -> bool:
    """A person's name at the start of a paragraph, followed by up to eight short lines of title,
    company and contact details, at least one of them a phone number, address or web site."""
    if not rest or not _person_name(lines[i]) or (i and lines[i - 1].strip()):
        return False
    above = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
    if not above or above.rstrip().endswith(":"):
        return False  # nothing written above, or "Deliver to:" above an address
    return any(_PHONE.search(lines[j]) or _CONTACT.search(lines[j]) for j in rest)


def sender_hints(name: str, address: str) -> tuple[str, ...]:
    """Lower-case strings that, alone on a short line near the end, start the sender's signature."""
    hints = []
    name = " ".join(name.replace('"', "").split())
    if "," in name:  # "Berg, Anna"
        last, _, first_name = name.partition(",")
        name = f"{first_name.strip()} {last.strip()}"
    if len(name) >= 3:
        hints.append(name.lower())
    local = address.partition("@")[0].lower()
    parts = [p for p in re.split(r"[._-]", local) if len(p) >= 3 and p.isalpha()]
    if len(parts) >= 2:
        hints.append(" ".join(parts))
    elif len(parts) == 1 and len(parts[0]) >= 4:
        # "john@..." signing "John E. Doe": a first name alone, checked against a name-like line.
        hints.append(parts[0] + " ")
    return tuple(hints)


def _names_sender(line: str, sender: tuple[str, ...]) -> bool:
    text = " ".join(line.split()).lower().strip(" -~*,./")
    for hint in sender:
        if hint.endswith(" "):
            if text.startswith(hint) and len(text.split()) <= 5 and line.strip(" -~*/")[:1].isupper():
                return True
        elif text.startswith(hint):
            return True
    return False
