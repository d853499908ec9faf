"""An outbound message as MIME bytes: the headers a mail client threads by, a plain-text part and a safe
HTML part written from it, and the files the operator attached. 7-bit clean (quoted-printable text,
RFC 2047 headers), so every relay takes it as it is and the DKIM signature survives.

A reply is rendered once, when it is queued (``OutboundMessage.raw_message``: the Date is when it was
approved), with the standard library's compat32 MIME classes: the header registry of the newer API
parses every header it is given and costs twice as much, per message, as the whole SMTP exchange. The
worker renders a reply again only when the gate dropped a recipient.

Bulk mail (a notice) is queued without its MIME and rendered when it leaves (``stored_mime``), from its
stored fields alone: Date when it was queued, the Message-ID stored then, part boundaries derived from
that id. So every try sends the same bytes, and the GDPR export shows them without their being stored
(docs/decisions.md, "Notices: bulk mail rendered when it leaves").
"""

from __future__ import annotations

import datetime as dt
import email.charset
import email.policy
import hashlib
import itertools
import mimetypes
import random
import re
import sys
from collections.abc import Iterable, Iterator
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr
from typing import Any

from django.utils.html import escape, linebreaks, urlize

from delivery.models import OutboundMessage
from helpdesk.models import Attachment


class _Compat32(email.policy.Compat32):
    """compat32, writing a header that needs no folding (ASCII, no line break, fits in a line) as it
    is: the bytes compat32's ``Header`` makes of it too (tests/delivery/test_message_render.py), at a
    fraction of the cost, which was a third of rendering a notice."""

    def _fold(self, name: str, value: Any, sanitize: bool) -> str:
        limit = self.max_line_length
        if (
            isinstance(value, str)
            and limit
            and len(name) + 2 + len(value) <= limit
            and value.isascii()
            and "\r" not in value
            and "\n" not in value
        ):
            return f"{name}: {value}{self.linesep}"
        folded: str = super()._fold(name, value, sanitize)  # type: ignore[misc]
        return folded


# Bytes as a relay receives them, CRLF line ends; these are also the bytes DKIM signs.
POLICY = _Compat32(linesep="\r\n")
_UTF8_QP = email.charset.Charset("utf-8")
_UTF8_QP.header_encoding = email.charset.QP
_UTF8_QP.body_encoding = email.charset.QP
_HTML = (
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>\n'
    '<body style="font-family: Arial, Helvetica, sans-serif; font-size: 14px; line-height: 1.5;">\n'
    "{body}\n</body></html>\n"
)


def html_from_text(text: str) -> str:
    """The plain text as HTML: escaped, paragraphs and line breaks kept, web addresses as links, and
    every aligned table (a header, a rule of dashes, rows; as ``drafts.wording.text_table`` writes
    quotes and price lists) as an HTML table, which proportional fonts cannot misalign."""
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip("\n"))
    html = [_table(block) or linebreaks(_links(escape(block))) for block in blocks]
    return _HTML.format(body="\n".join(html))


# What ``urlize`` can turn into a link: a scheme, "www.", an address, or a name in one of the seven
# old generic top-level domains. A block without any is left as it is: ``urlize`` looks at every word
# and cost more than the rest of rendering a notice.
_LINK_HINT = re.compile(r"https?://|www\.|@|\.(?:com|edu|gov|int|mil|net|org)\b", re.IGNORECASE)


def _links(block: str) -> str:
    return urlize(block, nofollow=True) if _LINK_HINT.search(block) else block


_RULE = re.compile(r"-+")
_NUMBER = re.compile(r"^[-+−]?[\d\s.,]+\d")


def _table(block: str) -> str:
    """An aligned text table as HTML, or "" when ``block`` is not one."""
    lines = block.split("\n")
    if len(lines) < 3 or not re.fullmatch(r"-+( {2,}-+)+", lines[1].strip()) or lines[1] != lines[1].lstrip():
        return ""
    starts = [match.start() for match in _RULE.finditer(lines[1])]

    def cells(line: str) -> list[str]:
        bounds = [*starts[1:], len(line) + 1]
        return [line[start:end].strip() for start, end in zip(starts, bounds, strict=True)]

    rows = [cells(line) for line in lines[2:]]
    # A column of figures (quantities, prices, sums) is right-aligned, its heading too.
    right = [all(_NUMBER.match(row[i]) for row in rows if row[i]) for i in range(len(starts))]

    aligns = [' style="text-align: right"' if flag else ' style="text-align: left"' for flag in right]

    def row_html(tag: str, values: list[str]) -> str:
        cells_html = (f"<{tag}{aligns[i]}>{escape(value)}</{tag}>" for i, value in enumerate(values))
        return "<tr>" + "".join(cells_html) + "</tr>"

    head = row_html("th", cells(lines[0]))
    body = "".join(row_html("td", row) for row in rows)
    return (
        '<table cellpadding="4" style="border-collapse: collapse; margin: 0.5em 0;">'
        f"<thead>{head}</thead><tbody>{body}</tbody></table>"
    )


def render_mime(
    outbound: OutboundMessage,
    *,
    to: list[str],
    cc: list[str],
    attachments: Iterable[Attachment] = (),
    now: dt.datetime,
    seed: str = "",
) -> bytes:
    """The message as it leaves, for these recipients (Bcc is only in the envelope). With a ``seed``
    the part boundaries are derived from it, so the same fields give the same bytes."""
    boundaries = _boundaries(seed)
    body = MIMEMultipart("alternative", boundary=next(boundaries))
    body.attach(_text(outbound.body_text, "plain"))
    body.attach(_text(outbound.body_html or html_from_text(outbound.body_text), "html"))
    files = list(attachments)
    message: MIMEBase = body
    if files:
        message = MIMEMultipart("mixed", boundary=next(boundaries))
        message.attach(body)
        for attachment in files:
            message.attach(_attachment(attachment))
    message["From"] = formataddr((outbound.from_name, outbound.from_address), charset="utf-8")
    message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    if outbound.reply_to:
        message["Reply-To"] = outbound.reply_to
    message["Subject"] = _header(outbound.subject)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = outbound.message_id
    if outbound.in_reply_to:
        message["In-Reply-To"] = outbound.in_reply_to
    if outbound.references:
        message["References"] = outbound.references
    if outbound.automatic:
        # RFC 3834: no person wrote this; well-behaved auto-responders do not answer it.
        message["Auto-Submitted"] = "auto-generated"
    for name, value in sorted(outbound.headers.items()):
        message[name] = _header(value)
    return message.as_bytes(policy=POLICY)


def stored_mime(outbound: OutboundMessage) -> bytes:
    """The MIME of a message queued without it (bulk mail, ``OutboundMessage.renders_when_sent``), as
    the worker sends it: the same bytes on every call, from the stored fields alone (Date: when it was
    queued; part boundaries: from its Message-ID). Bulk mail has no files."""
    return render_mime(
        outbound,
        to=list(outbound.to_addresses),
        cc=list(outbound.cc_addresses),
        now=outbound.created_at,
        seed=outbound.message_id,
    )


def mime_of(outbound: OutboundMessage) -> bytes:
    """The mail as approved, for people and exports: the stored MIME, or the one ``stored_mime``
    renders for a message that is rendered when it leaves; empty for erased mail."""
    raw = bytes(outbound.raw_message or b"")
    return stored_mime(outbound) if not raw and outbound.renders_when_sent else raw


def _boundaries(seed: str) -> Iterator[str]:
    """Part boundaries as the standard library makes them: random, or derived from ``seed``. Given
    here, the generator does not search every part for them (a third of writing a notice's bytes):
    no part can hold one, since the text parts are quoted-printable (a literal "=" is written "=3D")
    and files base64 (no "=" but at the end, no "-")."""
    for index in itertools.count():
        if seed:
            digest = hashlib.sha256(f"{seed}:{index}".encode()).digest()
            number = int.from_bytes(digest[:8], "big") % 10**19
        else:
            number = random.randrange(sys.maxsize)
        yield "=" * 15 + f"{number:019d}" + "=="


def _text(text: str, subtype: str) -> MIMEText:
    """A UTF-8 text part, quoted-printable (MIMEText takes a Charset; typeshed says only its name)."""
    return MIMEText(text, subtype, _UTF8_QP)  # type: ignore[arg-type]


def _header(value: str) -> str:
    return value if value.isascii() else Header(value, "utf-8").encode()


def _attachment(attachment: Attachment) -> MIMEBase:
    content_type = attachment.content_type or mimetypes.guess_type(attachment.filename)[0]
    maintype, _, subtype = (content_type or "application/octet-stream").partition("/")
    with attachment.file.open("rb") as handle:
        data = handle.read()
    if maintype == "text":
        try:
            part: MIMEBase = _text(data.decode("utf-8"), subtype or "plain")
        except UnicodeDecodeError:
            part = MIMEApplication(data, "octet-stream")
    else:
        part = MIMEApplication(data, subtype or "octet-stream")
        part.set_type(f"{maintype}/{subtype or 'octet-stream'}")
    name = attachment.filename
    part.add_header(
        "Content-Disposition", "attachment", filename=name if name.isascii() else ("utf-8", "", name)
    )
    return part
