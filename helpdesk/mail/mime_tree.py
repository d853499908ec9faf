"""The standard library's compat32 feed parser, redone for whole messages in memory. Pure.

``parse(text)`` builds the same ``email.message.Message`` tree (headers, payloads, preambles,
epilogues, defects) as ``email.parser.Parser(policy=compat32).parsestr(text)``, the algorithm of
``email.feedparser`` step for step, but without its costs for a message that is already whole: no
line-by-line generator, a leaf body taken as one slice up to the next line that can end it (found with
``str.find``), and no regular expression compiled per multipart boundary (the stdlib compiles one for
every boundary, and real boundaries are unique, so its cache never helps). It returns None for input
it does not handle the same way for certain (a bare CR line ending, an envelope ``From `` line where
the stdlib pushes lines back, structures too deep); the caller then uses the stdlib parser.
``tests/helpdesk/test_mime_tree.py`` checks the trees are identical on every corpus file and on
generated MIME.
"""

from __future__ import annotations

import re
from email import errors
from email.message import Message
from email.policy import compat32

_HEADER_RE = re.compile(r"^(From |[\041-\071\073-\176]*:|[\t ])")
# Consecutive whole lines that _HEADER_RE accepts, and the fields they make in the common case.
_HEADER_LINES = re.compile(r"(?:(?:From |[\041-\071\073-\176]*:|[\t ])[^\n]*\n)*")
_FIELD = re.compile(r"([\041-\071\073-\176]+):[ \t]*([^\n]*\n(?:[ \t][^\n]*\n)*)")
_BOL = re.compile(r"(\r\n|\r|\n)")
_NL = None  # the matcher of a blank line (message/delivery-status blocks); boundaries are strings


class _Unusual(Exception):
    """Input this module does not mirror exactly; the stdlib parser takes it."""


def parse(text: str) -> Message | None:
    """The compat32 tree of ``text`` (bytes decoded as ASCII with surrogateescape), or None."""
    cr = text.count("\r")
    if cr and cr != text.count("\r\n"):
        return None  # bare CR line ends: the stdlib splits on them, this module does not
    parser = _Parser(text)
    try:
        root = parser.message(None)
    except Exception:  # _Unusual, RecursionError, a header the stdlib fails on too: it decides
        return None
    if parser.pos != len(text):
        return None  # pragma: no cover - the top level always reads to the end
    if root.get_content_maintype() == "multipart" and not root.is_multipart():
        compat32.handle_defect(root, errors.MultipartInvariantViolationDefect())
    return root


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.end = len(text)
        self.pos = 0
        # What ends the current part early: enclosing multipart separators ("--boundary"), or _NL.
        self.stack: list[str | None] = []
        self.last: Message | None = None

    # -- lines ------------------------------------------------------------------------------------
    def _line_end(self, pos: int) -> int:
        nl = self.text.find("\n", pos)
        return self.end if nl < 0 else nl + 1

    def _at_eof(self, pos: int) -> bool:
        """Whether the line at ``pos`` is a false EOF for the current part (or the real end)."""
        if pos >= self.end:
            return True
        first = self.text[pos]
        if first == "-":
            line = None
            for sep in self.stack:
                if sep is not None and self.text.startswith(sep, pos):
                    if line is None:
                        line = self.text[pos : self._line_end(pos)]
                    if _boundary(line, sep) is not None:
                        return True
            return False
        return (first == "\n" or first == "\r") and _NL in self.stack

    def readline(self) -> str:
        if self._at_eof(self.pos):
            return ""
        end = self._line_end(self.pos)
        line = self.text[self.pos : end]
        self.pos = end
        return line

    def unreadline(self, line: str) -> None:
        self.pos -= len(line)

    def rest(self) -> str:
        """Every line up to the false EOF, as one string (a leaf body, an epilogue)."""
        text, start = self.text, self.pos
        if not self.stack:
            self.pos = self.end
            return text[start:]
        if _NL in self.stack:
            lines = []
            while line := self.readline():
                lines.append(line)
            return "".join(lines)
        pos = start
        while pos < self.end and not self._at_eof(pos):
            found = text.find("\n-", pos)
            pos = self.end if found < 0 else found + 1
        self.pos = pos
        return text[start:pos]

    # -- messages ---------------------------------------------------------------------------------
    def message(self, parent: Message | None) -> Message:
        msg = Message(policy=compat32)
        if parent is not None:
            if parent.get_content_type() == "multipart/digest":
                msg.set_default_type("message/rfc822")
            parent.attach(msg)
        self.last = msg
        self._headers(msg)
        ctype = msg.get_content_type()
        if ctype == "message/delivery-status":
            self._delivery_status(msg)
        elif ctype.startswith("message/"):
            self.message(msg)
        elif ctype.startswith("multipart/"):
            self._multipart(msg)
        else:
            msg.set_payload(self.rest())
        return msg

    def _headers(self, msg: Message) -> None:
        if not self._plain_headers(msg):
            self._any_headers(msg)

    def _plain_headers(self, msg: Message) -> bool:
        """Ordinary fields followed by a blank line, the end or the body: parsed by two regular
        expressions. False (nothing consumed) for anything else."""
        text, start = self.text, self.pos
        end = _HEADER_LINES.match(text, start).end()  # type: ignore[union-attr]  # matches ""
        block = text[start:end]
        if self.stack and (block[:1] == "-" or "\n-" in block):
            return False  # a separator line among them would end the part
        fields = []
        at = 0
        for found in _FIELD.finditer(block):
            if found.start() != at:
                return False
            fields.append((found.group(1), found.group(2).rstrip("\r\n")))
            at = found.end()
        if at != len(block) or (end < self.end and not self._at_eof(end) and _HEADER_RE.match(text, end)):
            return False  # envelope lines, a missing name, a leading continuation, a last line at EOF
        for field in fields:
            msg.set_raw(*field)
        self.pos = end
        line = self.readline()
        if line and line[0] not in "\r\n":
            compat32.handle_defect(msg, errors.MissingHeaderBodySeparatorDefect())
            self.unreadline(line)
        return True

    def _any_headers(self, msg: Message) -> None:
        lines = []
        while line := self.readline():
            if not _HEADER_RE.match(line):
                if line[0] not in "\r\n":
                    compat32.handle_defect(msg, errors.MissingHeaderBodySeparatorDefect())
                    self.unreadline(line)
                break
            lines.append(line)
        name, value = "", []  # type: str, list[str]
        for number, line in enumerate(lines):
            if line[0] in " \t":
                if not name:
                    compat32.handle_defect(msg, errors.FirstHeaderLineIsContinuationDefect(line))
                    continue
                value.append(line)
                continue
            if name:
                msg.set_raw(*compat32.header_source_parse(value))
                name, value = "", []
            if line.startswith("From "):
                if number == 0:
                    msg.set_unixfrom(_without_eol(line))
                    continue
                if number == len(lines) - 1:
                    raise _Unusual("an envelope line that the stdlib pushes back into the body")
                msg.defects.append(errors.MisplacedEnvelopeHeaderDefect(line))
                continue
            colon = line.find(":")
            if colon == 0:
                msg.defects.append(errors.InvalidHeaderDefect("Missing header name."))
                continue
            name, value = line[:colon], [line]
        if name:
            msg.set_raw(*compat32.header_source_parse(value))

    def _delivery_status(self, msg: Message) -> None:
        while True:
            self.stack.append(_NL)
            self.message(msg)
            self.stack.pop()
            self.readline()  # the blank line after the block
            line = self.readline()
            if line == "":
                return
            self.unreadline(line)

    def _multipart(self, msg: Message) -> None:
        boundary = msg.get_boundary()
        if boundary is None:
            compat32.handle_defect(msg, errors.NoBoundaryInMultipartDefect())
            msg.set_payload(self.rest())
            return
        if str(msg.get("content-transfer-encoding", "8bit")).lower() not in ("7bit", "8bit", "binary"):
            compat32.handle_defect(msg, errors.InvalidMultipartContentTransferEncodingDefect())
        sep = "--" + boundary
        capturing_preamble = True
        preamble: list[str] = []
        linesep: str | None = None
        close_boundary_seen = False
        while True:
            line = self.readline()
            if line == "":
                break
            found = _boundary(line, sep) if line.startswith(sep) else None
            if found is None:
                if not capturing_preamble:  # pragma: no cover - the stdlib asserts this too
                    raise _Unusual("text between parts outside the preamble")
                preamble.append(line)
                continue
            is_end, found_linesep = found
            if is_end:
                close_boundary_seen = True
                linesep = found_linesep
                break
            if capturing_preamble:
                if preamble:
                    preamble[-1] = _without_eol(preamble[-1])
                    msg.preamble = "".join(preamble)
                capturing_preamble = False
                self.unreadline(line)
                continue
            while True:  # repeated boundary lines make no empty parts
                line = self.readline()
                if not (line.startswith(sep) and _boundary(line, sep) is not None):
                    self.unreadline(line)
                    break
            self.stack.append(sep)
            self.message(msg)
            last = self.last
            assert last is not None
            if last.get_content_maintype() == "multipart":
                epilogue = last.epilogue
                if epilogue == "":
                    last.epilogue = None
                elif epilogue is not None:
                    last.epilogue = _without_eol(epilogue)
            else:
                payload = last._payload  # type: ignore[attr-defined]  # what the stdlib edits too
                if isinstance(payload, str):
                    last._payload = _without_eol(payload)  # type: ignore[attr-defined]
            self.stack.pop()
            self.last = msg
        if capturing_preamble:
            compat32.handle_defect(msg, errors.StartBoundaryNotFoundDefect())
            msg.set_payload("".join(preamble))
            self.rest()  # the stdlib reads the rest and keeps none of it
            msg.epilogue = ""
            return
        if not close_boundary_seen:
            compat32.handle_defect(msg, errors.CloseBoundaryNotFoundDefect())
            return
        after = [""] if linesep else []
        rest = self.rest()
        if rest:
            after.append(rest)
        if after:
            bol = _BOL.match(after[0])
            if bol:
                after[0] = after[0][len(bol.group(0)) :]
        msg.epilogue = "".join(after)


def _boundary(line: str, sep: str) -> tuple[bool, str | None] | None:
    """(is the close boundary, its line end) when ``line`` is the separator line ``sep``; else None.

    The same as the stdlib's ``(?P<sep>SEP)(?P<end>--)?(?P<ws>[ \\t]*)(?P<linesep>\\r\\n|\\r|\\n)?$``.
    """
    if not line.startswith(sep):
        return None
    tail = line[len(sep) :]
    if tail.startswith("--"):
        found = _line_tail(tail[2:])
        if found is not None:
            return True, found or None
    found = _line_tail(tail)
    return None if found is None else (False, found or None)


def _line_tail(tail: str) -> str | None:
    """The line end of blanks + line end ("" for none), or None when anything else is there."""
    rest = tail.lstrip(" \t")
    if rest in ("", "\n", "\r\n", "\r"):
        return rest
    return None


def _without_eol(line: str) -> str:
    """``line`` without one trailing line end (the stdlib's ``(\\r\\n|\\r|\\n)\\Z``)."""
    if line.endswith("\r\n"):
        return line[:-2]
    if line.endswith(("\n", "\r")):
        return line[:-1]
    return line
