"""Robust low-level decoding of raw mail: header capping, RFC 2047 words, charsets, addresses, ids, dates.

Pure functions over bytes and ``email.message.Message`` (compat32): no I/O. Every function here turns
bad input into a best-effort value plus a defect string; none of them raises on malformed mail.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from datetime import UTC, datetime
from email.utils import getaddresses, parsedate_to_datetime

# Names that mail software writes but Python does not know, or knows as a narrower charset than the
# one that is really used (WHATWG's encoding standard makes the same substitutions).
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "ansi_x3.4-1968": "cp1252",
    "iso-8859-9": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "euc-cn": "gb18030",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "x-sjis": "shift_jis",
    "shift-jis": "shift_jis",
    "windows-31j": "cp932",
    "big5": "big5hkscs",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "x-unicode20utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
    "x-user-defined": "cp1252",
    "unknown-8bit": "",
    "x-unknown": "",
    "unknown": "",
    "default": "",
    "charset": "",
}
# Single-byte charsets that decode any bytes: when the bytes are valid UTF-8 with non-ASCII in them, the
# declaration is almost certainly wrong (a multi-byte UTF-8 sequence is very unlikely in real Latin text).
_PERMISSIVE = frozenset({"cp1252", "latin-1", "iso8859-15", "cp1254"})
# Codecs that are not text encodings for mail (rot13, zlib, hex, ...) must never be selected by a header.
_TEXT_CODEC_OK = re.compile(r"^[a-z0-9_\-.:]+$")


def normalise_charset(charset: str | None) -> str:
    """A Python codec name for a declared charset, or "" when it is absent, unknown or not a text codec."""
    if not charset:
        return ""
    name = charset.strip().strip("\"'").lower()
    if not name or len(name) > 40 or not _TEXT_CODEC_OK.match(name):
        return ""
    name = _CHARSET_ALIASES.get(name, name)
    if not name:
        return ""
    try:
        info = codecs.lookup(name)
    except LookupError:
        return ""
    if not getattr(info, "_is_text_encoding", True):
        return ""
    return info.name


def decode_bytes(
    data: bytes, charset: str | None, defects: list[str], *, where: str = "body", hint: str | None = None
) -> str:
    """Decode ``data`` declared as ``charset``; fall back to UTF-8, the ``hint`` (the charset declared
    elsewhere in the message, for undeclared header bytes), nearly-valid UTF-8, a detector, then
    Windows-1252.

    Falls back per part, never for the whole message, and records a defect whenever the declaration
    could not be used as it stands.
    """
    declared = normalise_charset(charset)
    if data.isascii() and not _not_ascii_compatible(declared):
        return data.decode("ascii")
    if declared and declared not in _PERMISSIVE:
        try:
            return data.decode(declared)
        except UnicodeDecodeError:
            defects.append(f"{where}: bytes are not valid {charset}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if declared and declared != "utf-8" and charset and charset.lower() not in {"us-ascii", "ascii"}:
            defects.append(f"{where}: declared {charset} but is UTF-8")
        return text
    if declared:
        return data.decode(declared, errors="replace")
    return _undeclared(data, defects, where, normalise_charset(hint))


def _not_ascii_compatible(codec: str) -> bool:
    """Charsets whose text is not what its bytes say in ASCII, although the bytes may all be ASCII:
    ISO-2022 (escape sequences; the usual charset of Japanese mail), UTF-7, HZ, and UTF-16/32."""
    return codec.startswith(("iso2022", "utf-16", "utf-32")) or codec in {"utf-7", "hz"}


def _undeclared(data: bytes, defects: list[str], where: str, hint: str) -> str:
    if hint and hint not in {"utf-8", "cp1252"}:
        try:
            text = data.decode(hint)
        except UnicodeDecodeError:
            pass
        else:
            defects.append(f"{where}: no charset declared, read as the message's {hint}")
            return text
    # UTF-8 cut short or with a stray byte (a truncated file name) is still UTF-8.
    lenient = data.decode("utf-8", errors="replace")
    if lenient.count("\ufffd") * 20 <= sum(1 for ch in lenient if ord(ch) > 127):
        defects.append(f"{where}: invalid UTF-8 bytes replaced")
        return lenient
    # Detection needs material: a few 8-bit bytes (a name, one word) are read as Windows-1252.
    guessed = _guess_charset(data) if sum(b > 127 for b in data[:4096]) >= 24 else ""
    if guessed:
        defects.append(f"{where}: no usable charset declared, guessed {guessed}")
        return data.decode(guessed, errors="replace")
    defects.append(f"{where}: no usable charset declared, read as windows-1252")
    return data.decode("cp1252", errors="replace")


def _guess_charset(data: bytes) -> str:
    """charset-normalizer's best guess on a bounded sample (detection cost grows with size)."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[:16384]).best()
    return normalise_charset(best.encoding) if best is not None else ""


def raw_header_text(value: str, defects: list[str], name: str, hint: str | None = None) -> str:
    """Undo compat32's surrogate escapes: raw 8-bit header bytes become UTF-8 (or ``hint``) text."""
    if value.isascii() or not _has_surrogates(value):
        return value
    data = value.encode("ascii", "surrogateescape")
    return decode_bytes(data, None, defects, where=f"header {name}", hint=hint)


def _has_surrogates(value: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in value)


# An RFC 2047 encoded word. Real mail breaks the rules: words glued to text, spaces inside Q words,
# lower-case encodings, RFC 2231 language suffixes (charset*lang). The pattern accepts all of these.
_ENCODED_WORD = re.compile(r"=\?([^?\s*]{1,40})(?:\*[^?]*)?\?([qQbB])\?(.*?)\?=", re.DOTALL)
_BETWEEN_WORDS = re.compile(r"(\?=)\s+(=\?)")


def decode_words(text: str, defects: list[str]) -> str:
    """Decode RFC 2047 encoded words anywhere in ``text``; malformed words stay as they were."""
    if "=?" not in text:
        return text
    # Whitespace between two adjacent encoded words is not part of the text (RFC 2047 section 6.2).
    text = _BETWEEN_WORDS.sub(r"\1\2", text)
    pieces: list[str] = []
    pending = b""
    pending_cs = ""
    pos = 0
    for match in _ENCODED_WORD.finditer(text):
        literal = text[pos : match.start()]
        charset, encoding, payload = match.groups()
        data = _decode_word_payload(encoding, payload)
        if data is None:
            continue
        if literal:
            pieces.append(_decode_word(pending, pending_cs, defects))
            pending, pending_cs = b"", ""
            pieces.append(literal)
        elif pending and charset.lower() != pending_cs.lower():
            pieces.append(_decode_word(pending, pending_cs, defects))
            pending = b""
        # Adjacent words in one charset are joined as bytes: encoders split multi-byte characters.
        pending += data
        pending_cs = charset
        pos = match.end()
    pieces.append(_decode_word(pending, pending_cs, defects))
    pieces.append(text[pos:])
    return "".join(pieces)


def _decode_word(data: bytes, charset: str, defects: list[str]) -> str:
    """Encoded words name their charset explicitly (an encoder wrote it), so it is trusted first."""
    declared = normalise_charset(charset)
    if declared:
        try:
            return data.decode(declared)
        except UnicodeDecodeError:
            pass
    return decode_bytes(data, charset, defects, where="header word")


def _decode_word_payload(encoding: str, payload: str) -> bytes | None:
    try:
        raw = payload.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        raw = payload.encode("utf-8")
    if encoding in "bB":
        raw = re.sub(rb"[^A-Za-z0-9+/]", b"", raw)
        raw += b"=" * (-len(raw) % 4)
        try:
            return base64.b64decode(raw)
        except (binascii.Error, ValueError):
            return None
    return binascii.a2b_qp(raw, header=True)


def decode_header(value: str, defects: list[str], name: str = "header", hint: str | None = None) -> str:
    """A header value as display text: 8-bit bytes decoded, encoded words decoded, folding undone."""
    text = raw_header_text(value, defects, name, hint)
    text = decode_words(text, defects)
    if "\n" in text or "\r" in text:
        text = re.sub(r"\r?\n[ \t]*", " ", text)
    return text.strip()


_MSG_ID = re.compile(r"<[^<>\s]{1,998}>")


def message_ids(value: str) -> list[str]:
    """Every ``<id>`` in a Message-ID / In-Reply-To / References value, in order, without duplicates."""
    seen: dict[str, None] = {}
    for found in _MSG_ID.findall(value):
        seen.setdefault(found, None)
    return list(seen)


def message_id(value: str) -> str:
    """The first id with its angle brackets; a bare id gets them added; "" if nothing usable."""
    ids = message_ids(value)
    if ids:
        return ids[0]
    bare = value.strip().split()
    return f"<{bare[0]}>" if bare and "@" in bare[0] and len(bare[0]) < 998 else ""


def addresses(
    values: list[str], defects: list[str], name: str, hint: str | None = None
) -> list[tuple[str, str]]:
    """(display name, lower-cased addr-spec) pairs.

    Display names are decoded after splitting, so a comma inside an encoded word cannot split an address.
    """
    result: list[tuple[str, str]] = []
    if not values:
        return result
    try:
        pairs = getaddresses(values)
    except Exception:  # getaddresses on hostile input has raised IndexError/ValueError in CPython releases
        defects.append(f"header {name}: unparseable address list")
        return result
    for display, addr in pairs:
        addr = raw_header_text(addr, defects, name, hint).strip().strip("<>").lower()
        if not addr or "@" not in addr or len(addr) > 320:
            if addr:
                defects.append(f"header {name}: not an address: {addr[:80]}")
            continue
        result.append((decode_header(display, defects, name, hint), addr))
    return result


def parse_date(value: str, defects: list[str]) -> datetime | None:
    """An aware datetime (UTC when the zone is unknown), or None with a defect when unreadable."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        defects.append(f"header Date: unreadable: {value[:80]}")
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


_HEADER_END = re.compile(rb"\r?\n\r?\n")


_SPACE_BEFORE_COLON = re.compile(rb"^([!-9;-~]{1,100})[ \t]+:", re.MULTILINE)


def cap_headers(raw: bytes, limit: int) -> tuple[bytes, list[str]]:
    """Truncate each top-level header longer than ``limit`` bytes before any parser sees it.

    Returns the (possibly rewritten) message and one defect per truncated header. Messages whose whole
    header block fits in ``limit`` are returned unchanged without being split (the common, fast path).
    """
    end = _HEADER_END.search(raw)
    head_end = end.start() if end else len(raw)
    defects: list[str] = []
    if _SPACE_BEFORE_COLON.search(raw, 0, head_end):
        # RFC 5322 4.5 (obs-optional): white space may stand between a field name and its colon.
        # No parser reads "Fro :" as a header, and the headers after it would end up in the body.
        head, count = _SPACE_BEFORE_COLON.subn(rb"\1:", raw[:head_end])
        defects.append(f"{count} header(s) with white space before the colon")
        raw, head_end = head + raw[head_end:], len(head)
    if head_end <= limit:
        return raw, defects
    head = raw[:head_end]
    lines = head.split(b"\n")
    out: list[bytes] = []
    current: list[bytes] = []
    size = 0
    for line in lines:
        if line[:1] in (b" ", b"\t") and current:
            size += len(line) + 1
            if size <= limit:
                current.append(line)
            continue
        _flush(current, size, limit, out, defects)
        current, size = [line[:limit]], len(line) + 1
    _flush(current, size, limit, out, defects)
    return b"\n".join(out) + raw[head_end:], defects


def _flush(current: list[bytes], size: int, limit: int, out: list[bytes], defects: list[str]) -> None:
    if not current:
        return
    if size > limit:
        name = current[0].split(b":", 1)[0][:60].decode("ascii", "replace")
        defects.append(f"header {name}: {size} bytes, truncated to {limit}")
        last = current[-1]
        if last.endswith(b"\r"):
            current[-1] = last[:-1]
    out.extend(current)
