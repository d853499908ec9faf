"""helpdesk.mail.mime_tree builds exactly the standard library's compat32 tree, or declines."""

from __future__ import annotations

import email.parser
import email.policy
from email.message import Message
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpdesk.mail import mime, mime_tree
from tests.corpora import corpus_files

STDLIB = email.parser.Parser(policy=email.policy.compat32)


def shape(msg: Message) -> Any:
    """Everything the parser sets on a message, recursively."""
    payload = msg._payload  # type: ignore[attr-defined]
    return (
        type(msg),
        msg._headers,  # type: ignore[attr-defined]
        msg.get_unixfrom(),
        [shape(part) for part in payload] if isinstance(payload, list) else payload,
        msg.preamble,
        msg.epilogue,
        [(type(defect), defect.args) for defect in msg.defects],
        msg.get_default_type(),
        msg.get_charset(),
    )


def assert_same_tree(text: str) -> bool:
    """True when mime_tree took ``text`` (and built the stdlib's tree), False when it declined."""
    ours = mime_tree.parse(text)
    if ours is None:
        return False
    assert shape(ours) == shape(STDLIB.parsestr(text))
    return True


FILES = corpus_files("mime", "bounces", "replies", "threading", "dmarc")


def test_the_corpora_are_there():
    assert len(FILES) > 500


def test_every_corpus_file_gives_the_stdlib_tree_and_few_are_declined():
    taken = 0
    for path in FILES:
        capped, _defects = mime.cap_headers(path.read_bytes().lstrip(), 32 * 1024)
        taken += assert_same_tree(capped.decode("ascii", "surrogateescape"))
    assert taken >= len(FILES) * 0.97


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Subject: no body",
        "Subject: x\n\nbody without newline",
        "From sender@example.com Mon Jan 1 00:00:00 2024\nSubject: mbox\n\nbody\n",
        " folded first line\nSubject: x\n\nbody\n",
        ": no name\nSubject: x\n\nbody\n",
        "Subject: x\nnot a header line\n\nbody\n",
        "Subject: x\r\n\r\nbare\rcarriage return\r\n",
        "Content-Type: multipart/mixed\n\nno boundary parameter\n",
        'Content-Type: multipart/mixed; boundary="b"\n\npreamble only\n',
        'Content-Type: multipart/mixed; boundary="b"\n\n--b\n\npart\n',
        'Content-Type: multipart/mixed; boundary="b"\nContent-Transfer-Encoding: base64\n\n--b\n\nx\n--b--\n',
        'Content-Type: multipart/mixed; boundary="b"\n\n--b\n--b\n\nrepeated separator\n--b--  \n\nafter\n',
        'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n--b--\n',
        'Content-Type: multipart/mixed; boundary="a:b"\n\n--a:b\n\nbody\n--a:b--\n',
        'Content-Type: multipart/digest; boundary="d"\n\n--d\n\nSubject: digested\n\nhi\n--d--\n',
        "Content-Type: message/delivery-status\n\nReporting-MTA: dns; x\n\n\nFinal-Recipient: rfc822; a@b\n",
        'Content-Type: multipart/report; boundary="o"\r\n\r\n--o\r\nContent-Type: message/rfc822\r\n\r\n'
        'Content-Type: multipart/alternative; boundary="i"\r\n\r\n--i\r\n\r\ncut short\r\n--o--\r\n',
    ],
)
def test_edge_cases_match_the_stdlib_or_are_declined(text):
    assert_same_tree(text)


def test_the_common_shapes_are_taken():
    assert assert_same_tree("Subject: x\r\nFrom: a@example.com\r\n\r\nHej\r\n")
    assert assert_same_tree(
        'Content-Type: multipart/alternative; boundary="b"\n\npre\n--b\nContent-Type: text/plain\n\nx\n'
        "--b\nContent-Type: text/html\n\n<p>x</p>\n--b--\n"
    )


# Generated MIME: parts nested at random, with separator look-alikes, blank lines and junk lines.
_lines = st.sampled_from(
    [
        "text\n",
        "\n",
        "\r\n",
        "--\n",
        "-- \n",
        "--a\n",
        "--a--\n",
        "--a  \n",
        "--ab\n",
        "--b\n",
        "--b--\n",
        "--a--tail\n",
        "X-Header: value\n",
        " continued\n",
        "From somebody\n",
        "no colon here\n",
        "Content-Type: text/plain\n",
        'Content-Type: multipart/mixed; boundary="b"\n',
        "Content-Type: message/rfc822\n",
        "Content-Type: message/delivery-status\n",
        "last line without newline",
    ]
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    outer=st.sampled_from(
        ['multipart/mixed; boundary="a"', "multipart/mixed", "message/rfc822", "message/delivery-status"]
    ),
    lines=st.lists(_lines, max_size=40),
    crlf=st.booleans(),
)
def test_generated_mime_gives_the_stdlib_tree(outer, lines, crlf):
    text = f"Subject: generated\nContent-Type: {outer}\n\n" + "".join(lines)
    if crlf:
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    assert_same_tree(text)
