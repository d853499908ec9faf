"""Walk a parsed MIME tree: pick the text and HTML bodies, collect attachments. Pure.

Handles multipart/alternative and related, attached messages (kept as ``.eml`` attachments), uuencoded
blocks inside text, TNEF (``winmail.dat``, through tnefparse) and undeclared or wrong charsets per part.
"""

from __future__ import annotations

import binascii
import mimetypes
import re
import unicodedata
from dataclasses import dataclass, field
from email.message import Message

from helpdesk.mail import mime
from helpdesk.mail.html_sanitise import cid_references

MAX_DEPTH = 40
MAX_PARTS = 2000
_MESSAGE_TYPES = {"message/rfc822", "message/global"}
_REPORT_TYPES = {
    "message/delivery-status": "delivery-status.txt",
    "message/global-delivery-status": "delivery-status.txt",
    "message/feedback-report": "feedback-report.txt",
    "message/disposition-notification": "disposition-notification.txt",
    "text/rfc822-headers": "headers.txt",
    "message/global-headers": "headers.txt",
}
_TNEF_TYPES = {"application/ms-tnef", "application/vnd.ms-tnef"}


@dataclass(frozen=True)
class ParsedAttachment:
    """One file of the message. ``filename`` is decoded and path-free (generated when absent);
    ``inline`` is true for ``Content-Disposition: inline`` or a part the HTML references by ``cid:``."""

    filename: str
    content_type: str
    content: bytes
    content_id: str
    inline: bool

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass
class Body:
    texts: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    attachments: list[AttachmentDraft] = field(default_factory=list)
    files: list[ParsedAttachment] = field(default_factory=list)
    parts: int = 0

    @property
    def text(self) -> str:
        return "\n\n".join(t for t in self.texts if t.strip())

    @property
    def html(self) -> str:
        return "\n".join(self.htmls)


def extract_body(msg: Message, defects: list[str]) -> Body:
    """The bodies and attachments of ``msg``; inline flags are settled once the HTML is known."""
    body = Body()
    _walk(msg, body, defects, 0)
    cids = cid_references(body.html) if body.html else set()
    final = []
    used: set[str] = set()
    for index, draft in enumerate(body.attachments, start=1):
        name = _unique(draft.filename or _generated_name(draft.content_type, index), used)
        final.append(
            ParsedAttachment(
                filename=name,
                content_type=draft.content_type,
                content=draft.content,
                content_id=draft.content_id,
                inline=draft.inline or (bool(draft.content_id) and draft.content_id in cids),
            )
        )
    body.files = final
    return body


@dataclass
class AttachmentDraft:
    filename: str
    content_type: str
    content: bytes
    content_id: str
    inline: bool


def _walk(part: Message, body: Body, defects: list[str], depth: int) -> None:
    body.parts += 1
    if depth > MAX_DEPTH or body.parts > MAX_PARTS:
        defects.append("mime: structure too deep or too many parts; rest ignored")
        return
    ctype = _content_type(part)
    payload = part.get_payload()
    if ctype in _MESSAGE_TYPES or (ctype.startswith("message/") and isinstance(payload, list)):
        _attach_message(part, ctype, body, defects)
        return
    if part.is_multipart() and isinstance(payload, list):
        if ctype == "multipart/alternative":
            _walk_alternative(payload, body, defects, depth)
        else:
            for sub in payload:
                if isinstance(sub, Message):
                    _walk(sub, body, defects, depth + 1)
        return
    _leaf(part, ctype, body, defects)


def _walk_alternative(children: list[Message | str], body: Body, defects: list[str], depth: int) -> None:
    """Keep the first plain text and the last HTML of the alternatives; attachments of all."""
    texts: list[str] = []
    htmls: list[str] = []
    for sub in children:
        if not isinstance(sub, Message):
            continue
        inner = Body(parts=body.parts)
        _walk(sub, inner, defects, depth + 1)
        body.parts = inner.parts
        if inner.text and not texts:
            texts = inner.texts
        if inner.htmls:
            htmls = inner.htmls
        body.attachments.extend(inner.attachments)
    body.texts.extend(texts)
    body.htmls.extend(htmls)


_MIME_TYPE = re.compile(r"[a-z0-9!#$&^_.+-]{1,60}/[a-z0-9!#$&^_.+-]{1,80}")


def _content_type(part: Message) -> str:
    try:
        ctype = part.get_content_type()
    except Exception:  # a Content-Type header that compat32 cannot split
        return "text/plain"
    # A parameter folded onto the next line without ";" leaves "text/plain\n charset=..." behind.
    match = _MIME_TYPE.match(ctype)
    return match.group(0) if match else "application/octet-stream"


def _leaf(part: Message, ctype: str, body: Body, defects: list[str]) -> None:
    if ctype.startswith("multipart/"):
        # A multipart whose boundary the parser could not find: its raw text is still worth reading.
        defects.append(f"mime: {ctype} without a usable boundary read as text")
        ctype = "text/plain"
    disposition = _disposition(part)
    filename = _filename(part, defects)
    data = _payload_bytes(part, defects)
    is_body_type = ctype in {"text/plain", "text/html"}
    if is_body_type and disposition != "attachment" and not (filename and disposition == "inline"):
        if filename and ctype == "text/plain" and disposition != "inline" and body.texts:
            pass  # a named text file after the body is an attachment
        else:
            text = mime.decode_bytes(data, part.get_content_charset(), defects, where=f"{ctype} part")
            if ctype == "text/html":
                body.htmls.append(text)
            else:
                body.texts.append(_extract_uuencoded(text, body, defects))
            return
    if (ctype in _TNEF_TYPES or filename.lower() == "winmail.dat") and _expand_tnef(data, body, defects):
        return
    if ctype == "text/plain" and filename == "" and disposition == "" and not data:
        return
    body.attachments.append(
        AttachmentDraft(
            filename=filename,
            content_type=ctype,
            content=data,
            content_id=_content_id(part),
            inline=disposition == "inline",
        )
    )


def _disposition(part: Message) -> str:
    value = str(part.get("content-disposition", "") or "")
    return value.split(";", 1)[0].strip().lower()


def _payload_bytes(part: Message, defects: list[str]) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:  # compat32 decoders on broken input
        defects.append(f"mime: payload undecodable ({type(exc).__name__})")
        data = None
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    return payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""


def _content_id(part: Message) -> str:
    value = str(part.get("content-id", "") or "").strip()
    return value.strip("<> \t\r\n")[:250]


_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')


def _filename(part: Message, defects: list[str]) -> str:
    """The decoded, path-free file name (RFC 2231 and the common RFC 2047-in-quotes form)."""
    raw = " ".join(
        str(v) for k, v in part.raw_items() if k.lower() in {"content-type", "content-disposition"}
    )
    if "name" not in raw.lower():
        return ""
    source = _with_decoded_params(part, defects)
    try:
        name = source.get_filename() or source.get_param("name") or ""
    except Exception:  # malformed RFC 2231 continuations
        defects.append("mime: unreadable file name parameter")
        return ""
    if isinstance(name, tuple):  # an RFC 2231 triple that compat32 could not collapse
        name = str(name[2])
    name = mime.decode_header(str(name)[:1000], defects, "filename")
    return safe_filename(name)


def _with_decoded_params(part: Message, defects: list[str]) -> Message:
    """``part``, or a stand-in whose Content-Type/Disposition have raw 8-bit names decoded.

    compat32 turns a header with raw 8-bit bytes into a Header that renders them as U+FFFD, so
    ``get_filename()`` would lose a name such as Outlook Express's raw Windows-1251 file names.
    """
    raw = [(k, v) for k, v in part.raw_items() if k.lower() in {"content-type", "content-disposition"}]
    if not any(isinstance(v, str) and not v.isascii() for _, v in raw):
        return part
    hint = _declared_charset(part)
    stand_in = Message()
    for name, value in raw:
        stand_in[name] = mime.raw_header_text(str(value), defects, name, hint)
    return stand_in


def _declared_charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:  # a charset parameter compat32 cannot read
        return None


def safe_filename(name: str) -> str:
    """Strip directories, control and reserved characters; keep the extension; at most 200 characters.

    Invisible formatting characters go too: a right-to-left override shows "invoice\u202efdp.exe"
    as "invoiceexe.pdf", and zero-width spaces make two names look alike.
    """
    if not name.isascii():
        name = "".join(ch for ch in name if unicodedata.category(ch) != "Cf")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("_", name).strip(" .")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 190 - len(ext)] + dot + ext) if dot and len(ext) <= 10 else name[:200]
    return name


def _generated_name(content_type: str, index: int) -> str:
    if content_type in _MESSAGE_TYPES:
        return f"message-{index}.eml"
    if content_type in _REPORT_TYPES:
        return _REPORT_TYPES[content_type]
    ext = mimetypes.guess_extension(content_type) or ".bin"
    return f"attachment-{index}{ext}"


def _unique(name: str, used: set[str]) -> str:
    candidate, n = name, 1
    while candidate.lower() in used:
        n += 1
        stem, dot, ext = name.rpartition(".")
        candidate = f"{stem}-{n}.{ext}" if dot else f"{name}-{n}"
    used.add(candidate.lower())
    return candidate


def _attach_message(part: Message, ctype: str, body: Body, defects: list[str]) -> None:
    """An attached message (forward as attachment) or report part, kept whole as bytes."""
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload and isinstance(payload[0], Message) else None
    if ctype in _REPORT_TYPES and isinstance(payload, list):
        data = "\n\n".join(
            "\n".join(f"{k}: {v}" for k, v in m.raw_items()) for m in payload if isinstance(m, Message)
        ).encode("utf-8", "surrogateescape")
    elif inner is not None:
        data = _message_bytes(inner, defects)
    else:
        data = _payload_bytes(part, defects)
    name = ""
    if inner is not None and ctype in _MESSAGE_TYPES:
        subject = mime.decode_header(str(inner.get("subject", "") or "")[:300], defects, "attached Subject")
        name = safe_filename(f"{subject[:100]}.eml") if subject.strip() else ""
    body.attachments.append(
        AttachmentDraft(
            filename=_filename(part, defects) or name,
            content_type=ctype,
            content=data,
            content_id=_content_id(part),
            inline=False,
        )
    )


def _message_bytes(msg: Message, defects: list[str]) -> bytes:
    """Serialise an attached message back to its bytes; raw 8-bit headers survive (surrogateescape).

    The stdlib generator re-folds every header through ``email.header.Header`` (slow, and it rewrites
    8-bit headers); writing the parser's raw values back is faster and closer to the original.
    """
    out: list[str] = []
    try:
        _serialise(msg, out, 0)
    except Exception as exc:  # a structure compat32 built but we cannot walk; keep what the parser saw
        defects.append(f"mime: attached message re-serialised loosely ({type(exc).__name__})")
        out = [msg.as_string()]
    text = "".join(out)
    try:
        return text.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape")


def _serialise(msg: Message, out: list[str], depth: int) -> None:
    if depth > MAX_DEPTH:
        return
    for name, value in msg.raw_items():
        out.append(f"{name}: {value}\n")
    out.append("\n")
    payload = msg.get_payload()
    if not isinstance(payload, list):
        out.append(payload if isinstance(payload, str) else "")
        return
    boundary = msg.get_boundary()
    if not boundary:
        for sub in payload:
            if isinstance(sub, Message):
                _serialise(sub, out, depth + 1)
        return
    if msg.preamble:
        out.append(msg.preamble + "\n")
    for sub in payload:
        if isinstance(sub, Message):
            out.append(f"--{boundary}\n")
            _serialise(sub, out, depth + 1)
            out.append("\n")
    out.append(f"--{boundary}--\n")
    if msg.epilogue:
        out.append(msg.epilogue)


_UU_BEGIN = re.compile(r"begin [0-7]{3,4} ([^\n]+)")
_UU_END = re.compile(r"end[ \t]*")


def _extract_uuencoded(text: str, body: Body, defects: list[str]) -> str:
    """Move ``begin 644 name ... end`` blocks out of a text body into attachments.

    One pass over the lines: a regular expression spanning begin to end would rescan the rest of
    the text from every ``begin`` line without an ``end``, which hostile mail turns into minutes.
    """
    if "begin " not in text or "\nend" not in text:
        return text
    lines = text.replace("\r\n", "\n").split("\n")
    ends = iter([index for index, line in enumerate(lines) if _UU_END.fullmatch(line)])
    end = next(ends, None)
    out: list[str] = []
    index = 0
    while index < len(lines):
        begin = _UU_BEGIN.fullmatch(lines[index])
        while begin and end is not None and end <= index:
            end = next(ends, None)
        if not begin or end is None:
            out.append(lines[index])
            index += 1
            continue
        data = _uudecode("\n".join(lines[index + 1 : end]))
        if data is None:
            defects.append("mime: broken uuencoded block left in the text")
            out.extend(lines[index : end + 1])
        else:
            name = safe_filename(begin.group(1).strip())
            ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
            body.attachments.append(AttachmentDraft(name, ctype, data, "", False))
            out.append("")
        index = end + 1
    return "\n".join(out)


def _uudecode(block: str) -> bytes | None:
    out = bytearray()
    for line in block.split("\n"):
        if not line or line in {"`", " "}:
            continue
        data = line.encode("latin-1", "replace")
        try:
            out += binascii.a2b_uu(data)
        except binascii.Error:
            # Some encoders pad lines wrongly; decode only the length the line announces.
            length = (((data[0] - 32) & 63) * 4 + 5) // 3
            try:
                out += binascii.a2b_uu(data[:length])
            except binascii.Error:
                return None
    return bytes(out)


def _expand_tnef(data: bytes, body: Body, defects: list[str]) -> bool:
    """Replace a ``winmail.dat`` by the files and body inside it (tnefparse); False keeps it as is."""
    try:
        from tnefparse.tnef import TNEF

        tnef = TNEF(data)
        found = [
            AttachmentDraft(
                safe_filename(_tnef_name(a.long_filename() or a.name)),
                mimetypes.guess_type(_tnef_name(a.long_filename() or a.name))[0]
                or "application/octet-stream",
                bytes(a.data),
                "",
                False,
            )
            for a in tnef.attachments
        ]
        html = tnef.htmlbody if isinstance(tnef.htmlbody, str) else ""
        text = tnef.body if isinstance(tnef.body, str) else ""
    except Exception as exc:  # tnefparse on hostile input; the original winmail.dat is kept
        defects.append(f"mime: TNEF not readable ({type(exc).__name__})")
        return False
    body.attachments.extend(found)
    if html and not body.htmls:
        body.htmls.append(html)
    if text and not body.texts:
        body.texts.append(text)
    return bool(found or html or text)


def _tnef_name(name: object) -> str:
    if isinstance(name, bytes):
        return name.decode("utf-8", "replace").rstrip("\x00")
    return str(name or "").rstrip("\x00")
