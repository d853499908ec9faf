"""An outbound message as MIME: the headers a mail client threads by, a plain-text part and a safe HTML
part written from it, and the files the operator attached. 7-bit clean (quoted-printable text, encoded
headers), so every relay takes it as it is and the DKIM signature survives."""

from __future__ import annotations

import datetime as dt
import email.policy
import mimetypes
from collections.abc import Iterable
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from django.utils.html import escape, linebreaks, urlize

from delivery.models import OutboundMessage
from helpdesk.models import Attachment

POLICY = email.policy.SMTP.clone(max_line_length=78)
_HTML = (
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>\n'
    '<body style="font-family: Arial, Helvetica, sans-serif; font-size: 14px; line-height: 1.5;">\n'
    "{body}\n</body></html>\n"
)


def html_from_text(text: str) -> str:
    """The plain text as HTML: escaped, paragraphs and line breaks kept, web addresses as links."""
    return _HTML.format(body=linebreaks(urlize(escape(text), nofollow=True)))


def build_mime(
    outbound: OutboundMessage,
    *,
    to: list[str],
    cc: list[str],
    attachments: Iterable[Attachment] = (),
    now: dt.datetime,
) -> EmailMessage:
    """The message as it leaves, for the recipients the gate let through (Bcc is only in the envelope)."""
    mime = EmailMessage(policy=POLICY)
    mime["From"] = Address(display_name=outbound.from_name, addr_spec=outbound.from_address)
    mime["To"] = ", ".join(to)
    if cc:
        mime["Cc"] = ", ".join(cc)
    if outbound.reply_to:
        mime["Reply-To"] = outbound.reply_to
    mime["Subject"] = outbound.subject
    mime["Date"] = format_datetime(now)
    mime["Message-ID"] = outbound.message_id
    if outbound.in_reply_to:
        mime["In-Reply-To"] = outbound.in_reply_to
    if outbound.references:
        mime["References"] = outbound.references
    if outbound.automatic:
        # RFC 3834: no person wrote this; well-behaved auto-responders do not answer it.
        mime["Auto-Submitted"] = "auto-generated"
    for name, value in sorted(outbound.headers.items()):
        mime[name] = value
    mime.set_content(outbound.body_text, subtype="plain", charset="utf-8", cte="quoted-printable")
    html = outbound.body_html or html_from_text(outbound.body_text)
    mime.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    for attachment in attachments:
        content_type = attachment.content_type or mimetypes.guess_type(attachment.filename)[0]
        maintype, _, subtype = (content_type or "application/octet-stream").partition("/")
        with attachment.file.open("rb") as handle:
            data = handle.read()
        mime.add_attachment(
            data, maintype=maintype, subtype=subtype or "octet-stream", filename=attachment.filename
        )
    return mime


def as_bytes(mime: EmailMessage) -> bytes:
    """The bytes a relay receives (CRLF line ends), which are also the bytes DKIM signs."""
    return mime.as_bytes(policy=POLICY)
