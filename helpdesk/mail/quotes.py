"""Split the plain text of a reply into the new part, the quoted history, forwarded mail and the
signature. Pure.

"Visible text" is what the sender wrote in this message. Quoted history (``>`` lines with their
attribution, "On ... wrote:", Outlook/Apple header blocks, "-----Original Message-----") and the
signature are taken out; inline replies keep every unquoted paragraph between the quotes. Forwarded
mail ("---------- Forwarded message ---------", "Begin forwarded message:", an Outlook header block
under a "Fwd:"/"VB:"/"WG:" subject) is not history to throw away: it is kept as ``Forward`` parts
with their sender, date and subject. Every cut names the rule that made it (``Split.rules``), so a
wrong split can be understood. The phrases of every language and client live in
``helpdesk.mail.reply_phrases``; the line tests in ``history`` and ``signatures``.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import asdict, dataclass, replace

from helpdesk.mail import history, reply_rules
from helpdesk.mail.history import QUOTED
from helpdesk.mail.reply_rules import HR_MARK, MARKS, QUOTE_MARK, SIGNATURE_MARK, Rule
from helpdesk.mail.signatures import Found, closing_above, sender_hints, signature_start

__all__ = [
    "HR_MARK",
    "MARKS",
    "QUOTE_MARK",
    "SIGNATURE_MARK",
    "Forward",
    "Rule",
    "Split",
    "sender_hints",
    "split_reply",
    "strip_marks",
]


@dataclass(frozen=True)
class Forward:
    """A forwarded message inside a mail: its header as the forwarder's client wrote it, and its text."""

    sender: str
    date: str
    subject: str
    to: str
    text: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Split:
    visible: str
    quoted: str
    signature: str
    forwards: tuple[Forward, ...] = ()
    rules: tuple[Rule, ...] = ()


def split_reply(text: str, *, sender_name: str = "", sender_address: str = "", subject: str = "") -> Split:
    """Separate ``text`` (a plain-text body) into visible reply, quoted history, forwards and signature.

    The sender's name, when given, lets a signature without any delimiter be found ("Anna Berg" and
    her title and phone number at the end); the subject tells an Outlook forward from a reply.
    ``QUOTE_MARK``/``HR_MARK``/``SIGNATURE_MARK`` lines (inserted by the HTML renderer where the HTML
    itself shows a quote or signature) are honoured.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    verbs = history.verb_lines(lines, text)
    lines, origin = history.unglue(lines, verbs)
    if len(origin) > len(set(origin)):
        verbs = history.verb_lines(lines, text)
    start = history.history_start(lines, verbs, subject)
    cut = start.index if start else len(lines)
    found: list[Rule] = []
    forwards: tuple[Forward, ...] = ()
    visible_lines, quoted_lines, answers_end = _split_inline(lines[:cut], verbs, found)
    if start and start.forward:
        end = _quoted_forward_end(lines, cut)
        forwards = _read_forwards(lines[cut:end] if end == len(lines) else _unquote(lines[cut:end]))
        found.append(_rule(lines, "forward", start.rule, _first_text(lines, cut), start.language))
        # The sender's own text under a ">"-quoted forward (Apple Mail, Sparrow) is theirs.
        below, _, _ = _split_inline(lines[end:], set(), [])
        if any(x.strip() for x in below):
            while visible_lines and not visible_lines[-1].strip():
                visible_lines.pop()
            visible_lines.extend(["", *below[next(i for i, x in enumerate(below) if x.strip()) :]])
    elif start:
        quoted_lines.extend(lines[cut:])
        found.append(_rule(lines, "quoted", start.rule, _first_text(lines, cut), start.language))
    hints = sender_hints(sender_name, sender_address)
    body, signature = _split_signature(visible_lines, hints, found, answers_end)
    return Split(
        visible=_tidy(body),
        quoted=_tidy(quoted_lines),
        signature=_tidy(signature),
        forwards=forwards,
        rules=tuple(sorted((_renumber(rule, origin, body) for rule in found), key=lambda rule: rule.line)),
    )


def _rule(lines: list[str], part: str, name: str, index: int, language: str = "") -> Rule:
    """A rule at ``index`` of ``lines``; numbered in the text's lines by ``_renumber``."""
    text = lines[index].strip() if index < len(lines) else ""
    return Rule(part, name, index, text[:120], language)


def _renumber(rule: Rule, origin: list[int], body: list[str]) -> Rule:
    """The rule with the 1-based number of the text's line it stands on."""
    return replace(rule, line=origin[rule.line] + 1 if rule.line < len(origin) else len(origin))


def _first_text(lines: list[str], start: int) -> int:
    """The first line at or after ``start`` that says something (not blank, not a rule line)."""
    for j in range(start, len(lines)):
        if lines[j].strip() and not history.RULE_LINE.match(lines[j]):
            return j
    return start


def _split_inline(lines: list[str], verbs: set[int], found: list[Rule]) -> tuple[list[str], list[str], int]:
    """``>`` lines and their attribution lines go to the quote; everything else stays in the reply.

    Where a quote is taken out between two paragraphs, the blank lines around it are kept once. The
    third value is where the writer's answers end: the visible line after the last quote taken out
    below text of their own (0 when there is none), since a signature never stands among the answers.
    """
    visible: list[str] = []
    quoted: list[str] = []
    i = 0
    removed = False
    answers_end = 0
    while i < len(lines):
        line = lines[i]
        if QUOTED.match(line) or _wrapped_in_quote(lines, i):
            if not removed:
                found.append(_rule(lines, "quoted", "quote_prefix", i))
            quoted.append(line)
            i += 1
            removed = True
            continue
        size, language = (0, "")
        if line.strip() and len(line) <= 1000:
            size, language = history.attribution_at(lines, i, verbs)
        if size:
            found.append(_rule(lines, "quoted", "attribution", i, language))
            quoted.extend(lines[i : i + size])
            i += size
            removed = True
            continue
        if removed and not line.strip() and (not visible or not visible[-1].strip()):
            i += 1  # the blank lines after a removed quote, when the reply already has one
            continue
        if removed and line.strip() and any(x.strip() for x in visible):
            answers_end = len(visible)
        removed = removed and not line.strip()
        visible.append(line)
        i += 1
    return visible, quoted, answers_end


def _wrapped_in_quote(lines: list[str], i: int) -> bool:
    """A piece of a quoted line that the client wrapped without its ``>``: between two ``>`` lines,
    after a long one, or a word or two alone (an answer between quotes has its own paragraph)."""
    if not 0 < i < len(lines) - 1 or not lines[i].strip():
        return False
    above, below = lines[i - 1], lines[i + 1]
    if ">" not in above[:4] or ">" not in below[:4]:
        return False
    if not (QUOTED.match(above) and QUOTED.match(below)):
        return False
    return len(above) >= 60 or len(lines[i].split()) <= 2


def _split_signature(
    lines: list[str], sender: tuple[str, ...], found: list[Rule], answers_end: int = 0
) -> tuple[list[str], list[str]]:
    """The reply and its signature; only a delimiter, a device line or a sign-off over a signature
    may leave the reply empty. The signature is looked for below ``answers_end`` (an inline reply's
    last answer), and a closing paragraph right above it joins it (``closing_above``)."""
    mark = next((i for i, line in enumerate(lines) if line.strip() == SIGNATURE_MARK), None)
    if mark is not None and any(x.strip() and x.strip() not in MARKS for x in lines[:mark]):
        found.append(_rule(lines, "signature", "html_signature", _first_text(lines, mark + 1)))
        closing = closing_above(lines, mark)
        if closing and _written(lines[: closing.index]):
            found.append(_rule(lines, "signature", closing.rule, closing.index, closing.language))
            return lines[: closing.index], [*lines[closing.index : mark], *lines[mark + 1 :]]
        return lines[:mark], lines[mark + 1 :]
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    start = signature_start(lines[:end], sender, answers_end)
    if start is not None and answers_end and start.index <= _first_text(lines, answers_end):
        # All the text under the last quote is a signature (a list's footer): the writer's own may
        # stand above that quote.
        answers_end = 0
        start = signature_start(lines[:end], sender)
    if start is not None:
        start = _with_closing(lines, start, answers_end)
    if start is None or (not start.strong and not _written(lines[: start.index])):
        return lines, []
    found.append(_rule(lines, "signature", start.rule, start.index, start.language))
    body, signature = lines[: start.index], lines[start.index : end]
    # A postscript under the signature is the sender's own words again.
    ps = next((j for j, line in enumerate(signature) if j and _POSTSCRIPT.match(line)), None)
    if ps is not None and not signature[ps - 1].strip():
        stop = next((j for j in range(ps, len(signature)) if not signature[j].strip()), len(signature))
        while body and not body[-1].strip():
            body = body[:-1]
        body = [*body, "", *signature[ps:stop]]
        signature = signature[:ps] + signature[stop:]
    return body, signature


def _with_closing(lines: list[str], start: Found, floor: int) -> Found:
    """``start`` moved up over a closing paragraph right above it, when there is one below ``floor``."""
    closing = closing_above(lines, start.index)
    if closing is None or closing.index < floor:
        return start
    if not closing.strong and not _written(lines[: closing.index]):
        return start
    return closing


def _written(lines: list[str]) -> bool:
    """Whether ``lines`` hold any text of the writer's (not only blank lines and marks)."""
    return any(x.strip() not in ("", *MARKS) for x in lines)


_POSTSCRIPT = re.compile(r"^\s*(?:P\.?\s?){1,2}S\b\.?:?\s")


def _quoted_forward_end(lines: list[str], start: int) -> int:
    """Where a forward ends: at the end of the mail, or, when its header and text are ``>``-quoted
    (Apple Mail 10.10 and earlier, Sparrow), after the last ``>`` line of the block."""
    first = next((j for j in range(start, len(lines)) if lines[j].strip()), len(lines))
    quoted = first < len(lines) and QUOTED.match(lines[first])
    body = history.next_nonblank(lines, first + 1)
    if not quoted and not (body < len(lines) and QUOTED.match(lines[body])):
        return len(lines)
    end = body if not quoted else first
    for j in range(end, len(lines)):
        if QUOTED.match(lines[j]):
            end = j + 1
        elif lines[j].strip():
            break
    return end


_QUOTE_LEVEL = re.compile(r"^\s{0,3}> ?")


def _unquote(lines: list[str]) -> list[str]:
    """One level of ``>`` quoting taken off each line."""
    return [_QUOTE_LEVEL.sub("", line, count=1) for line in lines]


def _read_forwards(lines: list[str]) -> tuple[Forward, ...]:
    """The forwarded messages in ``lines`` (from the first forward's separator or header block on)."""
    starts = [
        i
        for i, line in enumerate(lines)
        if not QUOTED.match(line)
        and (line.strip() == QUOTE_MARK or reply_rules.separator(line)[0] == "forward")
    ]
    if not starts or any(lines[j].strip() for j in range(starts[0])):
        starts.insert(0, 0)
    bounds = [*starts, len(lines)]
    parts = [_read_forward(lines[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]
    return tuple(part for part in parts if part.text or part.sender)


def _read_forward(lines: list[str]) -> Forward:
    i = 0
    while i < len(lines) and (
        not lines[i].strip()
        or lines[i].strip() in MARKS
        or history.RULE_LINE.match(lines[i])
        or reply_rules.separator(lines[i])[0]
    ):
        i += 1
    block = history.read_header_block(lines, i)
    values = block.values if block else {}
    body = lines[block.end :] if block else lines[i:]
    return Forward(
        sender=values.get("from", ""),
        date=values.get("date", ""),
        subject=values.get("subject", ""),
        to=values.get("to", ""),
        text=_tidy(body),
    )


def strip_marks(text: str) -> str:
    """The text without marker lines (what a reader sees)."""
    if "HELPDESK-" not in text:
        return text
    return "\n".join(line for line in text.split("\n") if line.strip() not in MARKS)


# Blank lines are the writer's (kept as written), up to two in a row: longer runs are left by
# HTML-to-text rendering and by removed quotes, never meant.
_BLANK_RUNS = re.compile(r"\n{4,}")


def _tidy(lines: list[str]) -> str:
    """Lines right-stripped, marks dropped, common indentation removed, no blank lines around."""
    text = textwrap.dedent("\n".join(line.rstrip() for line in lines if line.strip() not in MARKS))
    return _BLANK_RUNS.sub("\n\n\n", text).strip("\n")
