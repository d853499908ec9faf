"""Fuzz targets for the mail package (``helpdesk/mail/``): real corpus mail and reports, mutated the
way broken mailers, truncated transfers and attackers mutate them, fed to every entry point that reads
outside input. Shared by the suite (``test_mail_fuzz.py``, a few hundred examples) and the time-bounded
``python -m bench fuzz`` (hypothesis, and atheris when it is installed).

The contracts: ``parse_email`` raises nothing but ``ParseError``; the report readers nothing but
``ReportError``; the HTML sanitiser, reply splitter and MIME tree reader raise nothing, and sanitised
HTML never carries script.
"""

from __future__ import annotations

import contextlib
import functools
import re
from pathlib import Path

from hypothesis import strategies as st

from helpdesk.mail import mime_tree
from helpdesk.mail.dmarc import ReportError, parse_aggregate, parse_tls
from helpdesk.mail.html_sanitise import html_to_text, sanitise_html
from helpdesk.mail.message_ids import ticket_id_from_message_id
from helpdesk.mail.parsing import ParseError, parse_email
from helpdesk.mail.quotes import split_reply

CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"
FRAGMENTS = [
    b"\r\n",
    b"\r\n\r\n",
    b"\n",
    b"\r",
    b"\x00",
    b"\xff\xfe",
    b"=?utf-8?B?////?=",
    b"=?x?q?=ff?=",
    b"Content-Type: multipart/mixed; boundary=x\r\n",
    b"Content-Type: message/rfc822\r\n\r\n",
    b"Content-Type: text/html; charset=utf-7\r\n",
    b"Content-Transfer-Encoding: base64\r\n\r\n====",
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n=F",
    b"Content-Disposition: attachment; filename*0*=utf-8''%ff; filename*1=x\r\n",
    b"\r\n--x\r\n",
    b"\r\n--x--\r\n",
    b"Fro : odd@example.se\r\n",
    b"begin 644 a\r\nM\r\n",
    b"<script>alert(1)</script>",
    b"<![CDATA[",
    b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]>",
    b"&a;&a;&a;",
    b"</feedback>",
    b"Status: 5.1.1\r\nAction: failed\r\n",
    b"-----Original Message-----\r\nFrom: x\r\n",
    b"> > > ",
    b"\t\t\t\t" * 8,
    b"A" * 1000,
]


@functools.cache
def seeds(kind: str) -> tuple[bytes, ...]:
    """Corpus files of ``kind`` ("mail" or "report"), at most 64 KiB each, in a stable order."""
    if kind == "report":
        paths = [p for p in (CORPORA / "dmarc").rglob("*") if p.suffix in {".xml", ".json", ".gz", ".zip"}]
    else:
        folders = ("mime", "bounces", "replies", "threading")
        paths = [p for folder in folders for p in (CORPORA / folder).rglob("*") if p.is_file()]
        paths = [p for p in paths if p.name not in {"LICENSE", "README", "README.md"}]
    data = [p.read_bytes() for p in sorted(paths) if p.is_file() and p.stat().st_size <= 65536]
    return tuple(d for d in data if d) or (b"From: a@example.se\r\n\r\nHej\r\n",)


@st.composite
def mutated(draw: st.DrawFn, kind: str) -> bytes:
    """A corpus file with a few mutations: bytes deleted, inserted, replaced, repeated, or cut off."""
    data = bytearray(draw(st.sampled_from(seeds(kind))))
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(("delete", "insert", "replace", "repeat", "truncate")))
        if op == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif op == "insert":
            data[at:at] = draw(st.one_of(st.sampled_from(FRAGMENTS), st.binary(min_size=1, max_size=32)))
        elif op == "replace" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif op == "repeat":
            data[at:at] = bytes(data[at : at + draw(st.integers(1, 200))]) * draw(st.integers(1, 20))
        elif op == "truncate":
            del data[at:]
    return bytes(data)


def check_parse_email(raw: bytes) -> None:
    try:
        parsed = parse_email(raw)
    except ParseError as exc:
        assert exc.reason
        return
    if parsed.body_html:
        assert not _SCRIPT.search(parsed.body_html), "script survived sanitising"


def check_reports(data: bytes) -> None:
    for reader in (parse_aggregate, parse_tls):
        with contextlib.suppress(ReportError):
            reader(data)


# Script in markup: a script element, an event-handler attribute, a javascript: link (in a tag).
_SCRIPT = re.compile(
    r"<\s*script|<[^>]*\son[a-z]+\s*=|<[^>]*(?:href|src|action)\s*=\s*[\"']?\s*javascript:", re.IGNORECASE
)


def check_text_readers(data: bytes) -> None:
    # These read text the parser has decoded (never lone surrogates); the raw MIME tree reader reads
    # bytes as ASCII with surrogate escapes, as the parser hands them over.
    text = data.decode("utf-8", "replace")
    clean = sanitise_html(text)
    assert not _SCRIPT.search(clean), clean[:500]
    html_to_text(text)
    split_reply(text, sender_name="Kund", subject="Re: order")
    mime_tree.parse(data.decode("ascii", "surrogateescape"))
    ticket_id_from_message_id(text[:300])


TARGETS = {
    "parse_email": ("mail", check_parse_email),
    "reports": ("report", check_reports),
    "text_readers": ("mail", check_text_readers),
}
