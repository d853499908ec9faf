"""Property tests: header decoding round-trips, and no input raises anything but ParseError."""

from __future__ import annotations

from email.header import Header
from email.utils import formataddr

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpdesk.mail.parsing import ParseError, parse_email

# Printable text as people type it: no control characters, no surrogates, no surrounding spaces.
text = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=120
).filter(lambda s: s == s.strip() and "  " not in s)
quick = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@quick
@given(subject=text, name=text)
def test_rfc2047_encoded_subject_and_display_name_round_trip(subject, name):
    raw = (
        f"From: {formataddr((name, 'anna@example.se'), charset='utf-8')}\r\n"
        f"To: support@nordlager.example\r\n"
        f"Subject: {Header(subject, 'utf-8').encode()}\r\n\r\nHej\r\n"
    ).encode("ascii")
    parsed = parse_email(raw)
    assert parsed.subject == subject
    assert parsed.from_name == name
    assert parsed.from_address == "anna@example.se"


@quick
@given(subject=text)
def test_raw_utf8_subject_round_trips(subject):
    raw = b"From: a@example.se\r\nSubject: " + subject.encode("utf-8") + b"\r\n\r\nbody\r\n"
    assert parse_email(raw).subject == subject


@quick
@given(
    subject=text,
    charset=st.sampled_from(["iso-8859-1", "windows-1252", "iso-8859-15", "koi8-r", "shift_jis"]),
)
def test_encoded_words_in_other_charsets_round_trip(subject, charset):
    try:
        encoded = Header(subject, charset).encode()
    except (UnicodeEncodeError, LookupError):
        return  # the text is not representable in that charset
    raw = f"From: a@example.se\r\nSubject: {encoded}\r\n\r\nbody\r\n".encode("ascii")
    assert parse_email(raw).subject == subject


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=2000))
def test_arbitrary_bytes_raise_nothing_but_parse_error(raw):
    try:
        parse_email(raw)
    except ParseError as exc:
        assert exc.reason


mime_fragments = st.sampled_from(
    [
        b"Content-Type: multipart/mixed; boundary=x\r\n",
        b"Content-Type: text/plain; charset=bogus\r\n",
        b"Content-Transfer-Encoding: base64\r\n",
        b"Content-Transfer-Encoding: quoted-printable\r\n",
        b"Content-Disposition: attachment; filename*=utf-8''%ff%fe\r\n",
        b"Subject: =?utf-8?B?////?= =?x?q?=ff?=\r\n",
        b"From: \xff\xfe <@>\r\n",
        b"\r\n--x\r\n",
        b"\r\n--x--\r\n",
        b"\r\n",
        b"begin 644 a\r\n",
        b"Content-Type: message/rfc822\r\n",
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n",
    ]
)


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.one_of(mime_fragments, st.binary(max_size=60)), max_size=25))
def test_hostile_mime_structures_raise_nothing_but_parse_error(parts):
    try:
        parse_email(b"From: a@example.se\r\n" + b"".join(parts))
    except ParseError as exc:
        assert exc.reason
