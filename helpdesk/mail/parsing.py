"""Parse raw mail into a ``ParsedEmail`` and classify it. Pure: no I/O, no ORM.

The contract is in ``PARSING_INTERFACE.md``: ``parse_email(raw)`` returns a ``ParsedEmail`` or raises
``ParseError`` (with a ``reason``), never anything else, for any bytes.
"""

from __future__ import annotations

import email.parser
import email.policy
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from functools import cached_property

from helpdesk.mail import arf, bounces, classify, mime, mime_tree, quotes, reports
from helpdesk.mail.body import Body, ParsedAttachment, extract_body
from helpdesk.mail.html_sanitise import (
    MAX_HTML_DEPTH,
    html_tags_removed,
    html_to_marked_text,
    html_too_deep,
    sanitise_html,
)

DEFAULT_MAX_HEADER_BYTES = 32 * 1024
# The first few header lines of real mail are name: value; anything else at the start is not mail.
# (White space before the colon is obsolete but legal: "Fro : x" is one odd header; see mime.cap_headers.)
_FIRST_HEADER = re.compile(rb"^(?:From [^\r\n]*\r?\n)?[!-9;-~]{1,100}[ \t]*:", re.MULTILINE)


class ParseError(Exception):
    """The bytes cannot be read as a mail at all; ``reason`` says why (the message goes to quarantine)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class FeedbackRecipient:
    address: str
    status: str
    action: str
    diagnostic: str
    reply_code: str
    reason: str
    hard: bool
    feedback_type: str


@dataclass(frozen=True)
class ParsedEmail:
    kind: str
    message_id: str
    in_reply_to: str
    references: tuple[str, ...]
    subject: str
    from_address: str
    from_name: str
    reply_to: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    date: datetime | None
    body_text: str
    body_html: str
    attachments: tuple[ParsedAttachment, ...]
    defects: tuple[str, ...]
    auto_submitted: bool
    is_bulk: bool
    feedback: tuple[FeedbackRecipient, ...]
    report: bytes
    size: int
    # Additions beyond the agreed interface.
    remote_images_blocked: int = 0
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    # What ``visible_text``, ``quoted_text``, ``signature`` and ``forwards`` are split from: the body
    # text with the HTML renderer's marks, the sender's name and address, and the subject (which tells
    # an Outlook forward from a reply).
    reply_source: tuple[str, str, str, str] = field(default=("", "", "", ""), repr=False)

    # The reply split is made when first read: already in ``parse_email`` for mail that may reach a
    # ticket, only on demand for feedback (bounces and reports), which ingest never splits; a split
    # was about a fifth of parsing the bench's bounce-heavy mail.
    @cached_property
    def _split(self) -> quotes.Split:
        marked, name, address, subject = self.reply_source
        return quotes.split_reply(marked, sender_name=name, sender_address=address, subject=subject)

    @property
    def visible_text(self) -> str:
        return self._split.visible

    @property
    def quoted_text(self) -> str:
        return self._split.quoted

    @property
    def signature(self) -> str:
        return self._split.signature

    @property
    def forwards(self) -> tuple[quotes.Forward, ...]:
        """Mail the sender forwarded inside this one ("---------- Forwarded message ---------")."""
        return self._split.forwards

    @property
    def split_rules(self) -> tuple[quotes.Rule, ...]:
        """Which rule cut the quoted history, forwards and signature, on which line."""
        return self._split.rules


KINDS = ("human", "auto_reply", "bounce", "complaint", "dmarc_report", "tls_report")
FEEDBACK_KINDS = frozenset({"bounce", "complaint", "dmarc_report", "tls_report"})


def parse_email(raw: bytes, *, max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES) -> ParsedEmail:
    """Parse and classify one raw message. Raises ``ParseError`` only; see the module docstring."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise ParseError(f"expected bytes, got {type(raw).__name__}")
    raw = bytes(raw)
    if not raw.strip():
        raise ParseError("empty message")
    if not _FIRST_HEADER.match(raw.lstrip()):
        raise ParseError("no mail headers at the start of the message")
    try:
        return _parse(raw, max_header_bytes)
    except ParseError:
        raise
    except RecursionError as exc:
        raise ParseError("MIME structure nested too deeply") from exc
    except MemoryError as exc:
        raise ParseError("message too large to parse in memory") from exc
    except Exception as exc:  # the contract: nothing but ParseError leaves this function
        raise ParseError(f"unreadable message: {type(exc).__name__}: {exc}"[:500]) from exc


# The fallback for what helpdesk.mail.mime_tree leaves to the standard library.
_PARSER = email.parser.Parser(policy=email.policy.compat32)


def _parse(raw: bytes, max_header_bytes: int) -> ParsedEmail:
    capped, defects = mime.cap_headers(raw.lstrip(), max_header_bytes)
    text = capped.decode("ascii", "surrogateescape")  # what the stdlib's BytesParser does first
    msg = mime_tree.parse(text) or _PARSER.parsestr(text)
    headers = _headers(msg)
    if not headers:
        raise ParseError("no mail headers found")
    defects.extend(f"mime: {type(d).__name__}" for d in msg.defects)
    # Only raw 8-bit header bytes need the message's charset as a hint; finding it walks the parts.
    raw_8bit = any(not value.isascii() for values in headers.values() for value in values)
    hint = _charset_hint(msg) if raw_8bit else None
    h = _Header(headers, defects, hint)
    subject = h.text("subject")
    from_pairs = mime.addresses(headers.get("from", [])[:1], defects, "From", hint)
    from_name, from_address = from_pairs[0] if from_pairs else ("", "")
    reply_to = mime.addresses(headers.get("reply-to", [])[:1], defects, "Reply-To")
    body = extract_body(msg, defects)
    too_deep = bool(body.html) and html_too_deep(body.html)
    if too_deep:
        defects.append(f"html: nested more than {MAX_HTML_DEPTH} elements deep; kept as text only")
    html_text = html_tags_removed if too_deep else html_to_marked_text
    marked = body.text or (html_text(body.html) if body.html else "")
    body_text = quotes.strip_marks(marked) if not body.text else marked
    body_html = sanitise_html(body.html) if body.html and not too_deep else ""
    auto = classify.is_auto_submitted(headers)
    kind, feedback, report = _classify(msg, headers, subject, from_address, body, body_text, auto, defects)
    parsed = ParsedEmail(
        kind=kind,
        message_id=mime.message_id(h.raw("message-id")),
        in_reply_to=next(iter(mime.message_ids(h.raw("in-reply-to"))), ""),
        references=tuple(mime.message_ids(" ".join(headers.get("references", [])))),
        subject=subject,
        from_address=from_address,
        from_name=from_name,
        reply_to=reply_to[0][1] if reply_to else "",
        to=tuple(a for _, a in mime.addresses(headers.get("to", []), defects, "To", hint)),
        cc=tuple(a for _, a in mime.addresses(headers.get("cc", []), defects, "Cc", hint)),
        date=mime.parse_date(h.raw("date"), defects),
        body_text=body_text,
        body_html=body_html,
        attachments=tuple(body.files),
        defects=tuple(dict.fromkeys(defects)),
        auto_submitted=auto,
        is_bulk=classify.is_bulk(headers),
        feedback=tuple(FeedbackRecipient(**f.__dict__) for f in feedback),
        report=report,
        size=len(raw),
        remote_images_blocked=_count_remote_images(body.html),
        headers=tuple((name, value) for name, values in headers.items() for value in values),
        reply_source=(marked, from_name, from_address, subject),
    )
    if kind not in FEEDBACK_KINDS:
        parsed._split  # noqa: B018 - split now, inside this function's error handling (and in a parse worker)
    return parsed


def _headers(msg: Message) -> classify.Headers:
    headers: classify.Headers = {}
    for name, value in msg.raw_items():
        headers.setdefault(name.strip().lower(), []).append(str(value))
    return headers


class _Header:
    """Access to decoded header values, recording defects."""

    def __init__(self, headers: classify.Headers, defects: list[str], hint: str | None) -> None:
        self.headers = headers
        self.defects = defects
        self.hint = hint

    def raw(self, name: str) -> str:
        return mime.raw_header_text(classify.first(self.headers, name), self.defects, name, self.hint)

    def text(self, name: str) -> str:
        return mime.decode_header(classify.first(self.headers, name), self.defects, name, self.hint)


def _charset_hint(msg: Message) -> str | None:
    """The first charset declared in the message: clients that write raw 8-bit headers use it."""
    try:
        for part in msg.walk():
            charset = part.get_param("charset")
            if isinstance(charset, str) and charset:
                return charset
    except Exception:  # unreadable parameters: no hint
        return None
    return None


def _classify(
    msg: Message,
    headers: classify.Headers,
    subject: str,
    from_address: str,
    body: Body,
    body_text: str,
    auto: bool,
    defects: list[str],
) -> tuple[str, list[bounces.Failure], bytes]:
    """The message kind, its feedback recipients (bounce/complaint) and report payload (DMARC/TLS)."""
    rtype = bounces.report_type(msg)
    if rtype == "feedback-report":
        return "complaint", arf.arf_complaints(msg, defects), b""
    payload = _report_payload(body, subject)
    if payload is not None:
        return payload
    complained = bounces.ses_complaints(body_text)  # unambiguous, and its copy of the mail may look bounced
    if complained:
        return "complaint", complained, b""
    if rtype == "delivery-status" or bounces.looks_like_bounce(msg, headers, subject, body_text):
        failures = bounces.dsn_failures(msg, defects, body_text)
        if not failures:
            failures = bounces.ses_failures(body_text) or bounces.text_failures(msg, body_text, headers)
        if failures or rtype == "delivery-status":
            return "bounce", failures, b""
    ses = bounces.ses_failures(body_text) if "bounceType" in body_text else []
    if ses:
        return "bounce", ses, b""
    if auto or classify.looks_like_auto_reply_subject(subject):
        return "auto_reply", [], b""
    return "human", [], b""


def _report_payload(body: Body, subject: str) -> tuple[str, list[bounces.Failure], bytes] | None:
    for attachment in body.files:
        ctype, name = attachment.content_type, attachment.filename
        if reports.candidate_tls(ctype, name) and reports.is_tls_report(attachment.content):
            return "tls_report", [], attachment.content
        if reports.candidate_dmarc(ctype, name) and reports.is_dmarc_aggregate(attachment.content):
            return "dmarc_report", [], attachment.content
    # Some reporters put the XML in the body itself.
    if body.text and "<feedback" in body.text[:4096] and "report" in subject.lower():
        data = body.text.encode("utf-8")
        if reports.is_dmarc_aggregate(data):
            return "dmarc_report", [], data
    return None


_REMOTE_IMG = re.compile(r"""<img\b[^>]*\bsrc\s*=\s*["']?\s*https?:""", re.IGNORECASE)


def _count_remote_images(html: str) -> int:
    return len(_REMOTE_IMG.findall(html)) if html else 0
