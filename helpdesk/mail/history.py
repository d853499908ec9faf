"""Where quoted history and forwarded mail start in the lines of a reply. Pure.

Two shapes of history exist. Unquoted blocks (Outlook's header block, "-----Original Message-----",
a forward, the HTML renderer's quote mark) run to the end of the mail: ``history_start`` finds the
first. ``>``-quoted lines with their attribution ("On ... wrote:") may alternate with the writer's own
answers: ``attribution_at`` recognises the attribution so the caller can keep the answers in between.
Phrases come from ``helpdesk.mail.reply_phrases`` through ``helpdesk.mail.reply_rules``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from helpdesk.mail import reply_rules as rules
from helpdesk.mail.reply_rules import HR_MARK, QUOTE_MARK

QUOTED = re.compile(r"^\s{0,3}>")
RULE_LINE = re.compile(r"^\s*(?:-{2,80}|_{5,80}|—{1,80}|={4,80}|\*{3,80}|(?:\* ){2,40}\*)\s*$")
_CLOCK = re.compile(r"\b\d{1,2}[:.]\d{2}\b")
_MAX_LINE = 1000


@dataclass(frozen=True)
class Start:
    """The first line of an unquoted history block, the rule that found it, and whether it is a forward."""

    index: int
    rule: str
    language: str
    forward: bool


def unglue(lines: list[str], verbs: set[int]) -> tuple[list[str], list[int]]:
    """Lines with an attribution glued to the end of the reply's last line by a lost line break
    ("Thanks! On Wed, Apr 4, 2012 at 3:59 PM, Bob <b@x.se> wrote:") split in two; with the number
    of the original line of each."""
    if not verbs:
        return lines, list(range(len(lines)))
    out: list[str] = []
    origin: list[int] = []
    for i, line in enumerate(lines):
        cut = _glued_attribution(line) if i in verbs else 0
        if cut:
            out.append(line[:cut].rstrip(" -"))
            origin.append(i)
            line = line[cut:]
        quote = _glued_quote(line) if i in verbs else 0
        if quote:
            out.append(line[:quote].rstrip())
            origin.append(i)
            line = line[quote:]
        out.append(line)
        origin.append(i)
    return out, origin


# Yahoo writes the quoted mail's first line on the attribution's own line, after a few spaces:
# "On Tue, 12 Mar 2024 at 10:02, Anna <a@x.se> wrote:   Hi Sue,".
_GLUED_QUOTE = re.compile(r"[:：][ \t\u00a0]{2,}(?=\S)")


def _glued_quote(line: str) -> int:
    """Where the quoted text starts after an attribution on the same line; 0 when it does not."""
    if len(line) >= 400:
        return 0
    for match in _GLUED_QUOTE.finditer(line):
        head = line[: match.start() + 1]
        if rules.verb_at_end(head) and rules.has_date_or_address(head):
            return match.end()
    return 0


def _glued_attribution(line: str) -> int:
    for match in rules.OPENER_INSIDE.finditer(line, 1):
        tail = line[match.start(1) :]
        if rules.verb_at_end(tail) and rules.has_date_or_address(tail) and line[: match.start()].strip(" -"):
            return match.start(1)
    return 0


def verb_lines(lines: list[str], text: str) -> set[int]:
    """Lines that end an attribution's writing verb, or the colon after it on the next line."""
    lowered = text.casefold()
    if not any(verb in lowered for verb in rules.VERB_WORDS):
        return set()
    found = {
        i
        for i, line in enumerate(lines)
        if len(line) < 400 and line.strip() and (_ends_attribution(line) or _glued_quote(line))
    }
    # Gmail wraps "Den ... skrev Nordlager Support <support@...>:" after the verb, so the colon that
    # ends the attribution lands on the next line.
    found.update(
        i
        for i in range(1, len(lines))
        if lines[i].rstrip().endswith(_COLONS)
        and len(lines[i - 1]) < 300
        and not rules.VERB_WORD_SET.isdisjoint(rules.key(lines[i - 1]).split())
    )
    return found


def _ends_attribution(line: str) -> bool:
    if rules.verb_at_end(line):
        return True
    return line.rstrip().endswith((":", "：")) and bool(rules.verb_first(line) or rules.quoting(line))


def history_start(lines: list[str], verbs: set[int], subject: str = "") -> Start | None:
    """The first unquoted history block; rule lines (``-----``, ``_____``) and blank lines just above
    it belong to it. A header block in a mail whose subject says "Fwd:"/"VB:"/"WG:" is a forward."""
    found = _first_block(lines, verbs)
    if found is None:
        return None
    index, rule, language, forward = found
    if not forward and rule in {"header_block", "html_quote"} and rules.forward_subject(subject):
        forward, rule = True, f"{rule}+forward_subject"
    if rule == "header_block" and index > 0 and rules.dated_line(lines[index - 1]):
        index -= 1  # Orange's "Message du 05/03/24 10:15" above "De : ..."
    while index > 0 and (not lines[index - 1].strip() or RULE_LINE.match(lines[index - 1])):
        index -= 1
    return Start(index, rule, language, forward)


def _first_block(lines: list[str], verbs: set[int]) -> tuple[int, str, str, bool] | None:
    for i, line in enumerate(lines):
        stripped = line.strip()
        # ">" lines are history wherever they are; the caller keeps the answers between them. Only a
        # quoted forward ("> Begin forwarded message:", Apple Mail 10.10) starts a block here.
        if len(line) > _MAX_LINE or not stripped:
            continue
        if stripped[0] == ">" and QUOTED.match(line):
            kind, language = rules.separator(line) if stripped.endswith((":", "：", "-")) else ("", "")
            if kind == "forward":
                return i, "forward_separator", language, True
            continue
        if stripped in (QUOTE_MARK, HR_MARK):
            found = _after_mark(lines, i)
            if found:
                return found
            continue
        # Cheap string tests first: the lookups below run on few lines.
        if stripped[0] in "-_=*~#" or stripped.endswith((":", "：")):
            kind, language = rules.separator(line)
            if kind:
                return (
                    i,
                    "separator" if kind == "original" else "forward_separator",
                    language,
                    kind == "forward",
                )
            if stripped[0] == "_" and RULE_LINE.match(line):
                language = header_block_at(lines, next_nonblank(lines, i + 1))
                if language:
                    return i, "header_block", language, False
        if 0 < stripped.find(":") < 40 or 0 < stripped.find("：") < 40:
            language = header_block_at(lines, i)
            if language:
                return i, "header_block", language, False
        if (
            i in verbs
            or i + 1 in verbs
            or i + 2 in verbs
            or stripped.endswith((":", "："))
            or ":" in stripped
        ):
            size, language = attribution_at(lines, i, verbs)
            if size and not quoted_follows(lines, i + size):
                return i, "attribution", language, False
    return None


def _after_mark(lines: list[str], i: int) -> tuple[int, str, str, bool] | None:
    """A quote mark starts history; a rule mark only when a header block or attribution follows."""
    nxt = next_nonblank(lines, i + 1)
    if nxt < len(lines):
        kind, language = rules.separator(lines[nxt])
        if kind == "forward":
            return i, "forward_separator", language, True
    if lines[i].strip() == QUOTE_MARK:
        return i, "html_quote", "", False
    language = header_block_at(lines, nxt)
    if language:
        return i, "header_block", language, False
    if nxt < len(lines):
        size, language = attribution_at(
            lines, nxt, verb_lines(lines[nxt : nxt + 3], " ".join(lines[nxt : nxt + 3]))
        )
        if size:
            return i, "attribution", language, False
    return None


def next_nonblank(lines: list[str], start: int) -> int:
    for j in range(start, min(len(lines), start + 3)):
        if lines[j].strip():
            return j
    return len(lines)


@dataclass
class HeaderBlock:
    """The header lines of a quoted or forwarded mail: values by kind, and where the block ends."""

    values: dict[str, str]
    languages: list[str]
    end: int


def read_header_block(lines: list[str], i: int) -> HeaderBlock | None:
    """The labelled lines starting at ``i`` (one blank line and short wrapped values allowed)."""
    if i >= len(lines) or len(lines[i]) > _MAX_LINE:
        return None
    kinds, value = rules.header_label(lines[i])
    if not kinds:
        return None
    block = HeaderBlock({}, [], i)
    last = ""
    j = i
    while j < min(len(lines), i + 16):
        kinds, value = rules.header_label(lines[j]) if len(lines[j]) < _MAX_LINE else ({}, "")
        if kinds:
            kind = next(iter(kinds)) if len(kinds) == 1 else _likely_kind(kinds, block.values)
            block.values.setdefault(kind, value)
            block.languages.append(kinds[kind])
            block.end, last = j + 1, kind
        elif not lines[j].strip():
            if j > block.end:  # a second blank line ends the block
                break
        elif last and j == block.end and _continues(lines, j):
            # A long value wrapped by the client: "From: Human Resources\n<hr@...>\nSent: ...".
            block.values[last] = f"{block.values[last]} {lines[j].strip()}".strip()
            block.end = j + 1
        else:
            break
        j += 1
    return block


def _likely_kind(kinds: dict[str, str], seen: dict[str, str]) -> str:
    """An ambiguous label ("A" is To in French and Italian; "Da" From in Italian): the first kind not seen."""
    order = ("from", "date", "to", "cc", "subject")
    return next((k for k in order if k in kinds and k not in seen), next(iter(kinds)))


def _continues(lines: list[str], j: int) -> bool:
    if len(lines[j]) > 300:
        return False
    if lines[j][:1] in " \t":
        return True
    nxt = lines[j + 1] if j + 1 < len(lines) else ""
    return bool(rules.header_label(nxt)[0]) or (
        j + 2 < len(lines) and bool(rules.header_label(lines[j + 2])[0])
    )


def header_block_at(lines: list[str], i: int) -> str:
    """Languages of an Outlook/Apple/webmail header block starting at ``i``: From:, a date (Sent:,
    Date:) and To: or Subject: lines, in any order, in any language of the table; ``""`` if none.

    A From:/To:/Date: route in ordinary text ("Från: Stockholm / Till: Göteborg") is not a block:
    a real one also has an address, a Subject: line or a clock time in its date.
    """
    if i >= len(lines) or (":" not in lines[i] and "：" not in lines[i]):
        return ""
    if lines[i].count(":") >= 3 and _one_line_headers(lines[i]):
        return "en"
    block = read_header_block(lines, i)
    if block is None:
        return ""
    kinds = set(block.values)
    text = "\n".join(lines[i : block.end])
    address = bool(re.search(r"\S@\S+\.\w", text))
    if "from" not in kinds:
        # A block cut off above its From: ("Date: ... 00:15:02\nTo: a@x.se") still has a clock and an address.
        return _common_language(block.languages) if _headless(block, address) else ""
    if len(kinds) < 3 and not (address and kinds & {"date", "subject"}):
        return ""
    if "subject" not in kinds and not address and not _CLOCK.search(block.values.get("date", "")):
        return ""
    return _common_language(block.languages)


def _headless(block: HeaderBlock, address: bool) -> bool:
    kinds = set(block.values)
    return (
        address
        and "date" in kinds
        and bool(kinds & {"to", "subject"})
        and bool(_CLOCK.search(block.values["date"]))
    )


def _common_language(languages: list[str]) -> str:
    sets = [set(codes.split(",")) for codes in languages]
    common = set.intersection(*sets) if sets else set()
    chosen = common or set.union(*sets)
    return ",".join(sorted(chosen))


_ONE_LINE = re.compile(
    r"^[\s*]*(?:From|Från|Von|De|Van|Fra|Od|Da)\s*:.{1,200}?\b(?:Sent|Skickat|Gesendet|Date|Datum|Envoyé|"
    r"Verzonden|Sendt|Wysłano|Enviado|Inviato)\s*:.{1,200}?\b(?:To|Till|An|À|Aan|Til|Do|Para|A|Subject|Ämne|"
    r"Betreff|Objet|Onderwerp|Emne|Temat|Asunto|Oggetto|Assunto)\s*:",
    re.IGNORECASE,
)


def _one_line_headers(line: str) -> bool:
    """Outlook's header block flattened to one line by some HTML-to-text renderings."""
    return bool(_ONE_LINE.match(line))


_COLON_ATTRIBUTION = re.compile(
    r"^.{0,150}(?:\d{1,2}:\d{2}|\b(?:19|20)\d\d\b).{0,150}(?:<[^<>\s]+@[^<>\s]+>|\S+@\S+\.\w+)\W{0,3}[:：]\s*$"
    r"|^.{0,150}(?:<[^<>\s]+@[^<>\s]+>|\S+@\S+\.\w+).{0,150}(?:\d{1,2}:\d{2}|\b(?:19|20)\d\d\b).{0,60}[:：]\s*$"
)
_SENTENCE_END = (".", "?", "!")
_COLONS = (":", "：")


def attribution_at(lines: list[str], i: int, verbs: set[int]) -> tuple[int, str]:
    """``(number of lines, languages)`` of an attribution starting at ``i`` ("On <date>, <name>
    wrote:", wrapped over up to three lines); ``(0, "")`` if there is none.

    Also the verb-less form of Russian and Japanese webmailers ("<date>, <name> <address>:") and
    Horde's "Quoting <name>:".
    """
    line = lines[i]
    if len(line) > 400:
        return 0, ""
    if i in verbs or i + 1 in verbs or i + 2 in verbs:
        size, language = _with_verb(lines, i, verbs)
        if size:
            return size, language
    if line.rstrip().endswith(_COLONS):
        if _COLON_ATTRIBUTION.match(line):
            return 1, ""
        language = rules.quoting(line)
        if language:
            return 1, language
    return _verbless(lines, i), ""


def _with_verb(lines: list[str], i: int, verbs: set[int]) -> tuple[int, str]:
    joined = ""
    for n in range(3):
        if i + n >= len(lines) or not lines[i + n].strip():
            return 0, ""
        if n and lines[i + n - 1].rstrip().endswith(_SENTENCE_END):
            return 0, ""  # a sentence of the reply above an attribution is not part of it
        joined = f"{joined} {lines[i + n].strip()}" if joined else lines[i + n].strip()
        if len(joined) > 400:
            return 0, ""
        if i + n not in verbs:
            continue
        language = rules.verb_at_end(joined) or rules.verb_first(joined)
        if language and rules.has_date_or_address(joined):
            if n and _starts_later(lines, i, verbs):
                return 0, ""
            return n + 1, language
    return 0, ""


def _verbless(lines: list[str], i: int) -> int:
    """Attributions without a verb: "<date> <name> <address>:" wrapped by the client over two or
    three lines, or an old Gmail's "2011/4/7 Anna Berg <a@x.se>" right above ``>`` lines."""
    line = lines[i].strip()
    if not line or line.endswith(_SENTENCE_END):
        return 0
    colon = line.endswith(_COLONS) or any(x.rstrip().endswith(_COLONS) for x in lines[i + 1 : i + 3])
    if not colon and not (line.endswith(">") and quoted_follows(lines, i + 1)):
        return 0
    if not rules.has_date(line):
        return 0
    joined = line
    for n in range(1, 3):
        if i + n >= len(lines) or not lines[i + n].strip() or len(joined) > 300:
            break
        joined = f"{joined} {lines[i + n].strip()}"
        if joined.endswith((":", "：")) and _COLON_ATTRIBUTION.match(joined.replace("< ", "<")):
            return n + 1
    if len(line) < 200 and re.search(r"<[^<>\s]+@[^<>\s]+>\s*$", line) and quoted_follows(lines, i + 1):
        return 1
    return 0


def _starts_later(lines: list[str], i: int, verbs: set[int]) -> bool:
    """Whether the attribution really starts on the next line, the line at ``i`` being the reply's
    ("I called at 10:30\nOn Tue, 5 Mar 2024, Anna <a@x.se> wrote:"), not the first line of a wrapped
    one ("On Tue, 5 Mar 2024 at 10:15 Anna <\na@x.se> wrote:")."""
    if rules.opens_attribution(lines[i]):
        return False
    if not rules.has_date_or_address(lines[i]):
        return True
    size, _ = attribution_at(lines, i + 1, verbs) if i + 1 < len(lines) else (0, "")
    return bool(size) and rules.has_date(" ".join(lines[i + 1 : i + 1 + size]))


def quoted_follows(lines: list[str], j: int) -> bool:
    """Whether ``>``-quoted lines follow (after blank lines): then the quote ends where the ``>`` lines do."""
    for line in lines[j : j + 4]:
        if line.strip():
            return bool(QUOTED.match(line))
    return False
