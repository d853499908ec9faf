"""Behaviour of parse_email on hand-written messages: decoding, bodies, attachments, safety."""

from __future__ import annotations

import base64
import binascii
import contextlib
import signal
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from helpdesk.mail.parsing import ParseError, parse_email
from tests.corpora import CORPORA


@contextlib.contextmanager
def deadline(*, seconds: float) -> Iterator[None]:
    """Fail (instead of hanging) when the block runs far past what linear work could take."""

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def mail(headers: str, body: bytes | str = "Hello\n") -> bytes:
    raw_body = body.encode("utf-8") if isinstance(body, str) else body
    return headers.strip().replace("\n", "\r\n").encode("utf-8", "surrogateescape") + b"\r\n\r\n" + raw_body


def test_plain_mail_fields():
    parsed = parse_email(
        mail(
            """
From: "Anna Berg" <Anna.Berg@Example.SE>
To: support@nordlager.example, "Ops" <ops@nordlager.example>
Cc: boss@example.se
Reply-To: orders@example.se
Subject: Order 100231
Date: Tue, 05 Mar 2024 10:15:00 +0100
Message-ID: <abc@example.se>
In-Reply-To: <one@x> <two@x>
References: <zero@x>
 <one@x> <zero@x>
Content-Type: text/plain; charset=utf-8
""",
            "Var är min order?\n",
        )
    )
    assert parsed.kind == "human"
    assert parsed.from_address == "anna.berg@example.se"
    assert parsed.from_name == "Anna Berg"
    assert parsed.to == ("support@nordlager.example", "ops@nordlager.example")
    assert parsed.cc == ("boss@example.se",)
    assert parsed.reply_to == "orders@example.se"
    assert parsed.message_id == "<abc@example.se>"
    assert parsed.in_reply_to == "<one@x>"
    assert parsed.references == ("<zero@x>", "<one@x>")
    assert parsed.date == datetime(2024, 3, 5, 9, 15, tzinfo=UTC)
    assert parsed.body_text == "Var är min order?\n"
    assert parsed.visible_text == "Var är min order?"


def test_rfc2047_words_in_subject_and_display_name():
    parsed = parse_email(
        mail(
            """
From: =?iso-8859-1?q?Bj=F6rn_=C5str=F6m?= <bjorn@example.se>
To: a@example.com
Subject: =?utf-8?B?w4RyZW5kZSDDpHIgbMO2c3Q=?= =?utf-8?Q?_och_klart?=
"""
        )
    )
    assert parsed.from_name == "Björn Åström"
    assert parsed.subject == "Ärende är löst och klart"


def test_raw_utf8_and_latin1_header_bytes_are_decoded_without_error():
    raw = b"From: J\xc3\xb6rg <j@example.de>\r\nSubject: Gr\xfc\xdfe\r\nTo: a@example.com\r\n\r\nHi\r\n"
    parsed = parse_email(raw)
    assert parsed.from_name == "Jörg"
    assert parsed.subject == "Grüße"


def test_wrong_charset_declaration_falls_back_per_part():
    body = "Hälsningar från Göteborg".encode()
    parsed = parse_email(mail("From: a@example.com\nContent-Type: text/plain; charset=us-ascii", body))
    assert parsed.body_text == "Hälsningar från Göteborg"
    unknown = parse_email(mail("From: a@example.com\nContent-Type: text/plain; charset=x-bogus", body))
    assert unknown.body_text == "Hälsningar från Göteborg"


def test_html_only_mail_gets_a_text_rendering_and_is_sanitised():
    html = (
        "<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>"
        '<p onclick="steal()">Hej!</p><p>Order <b>100231</b> är <a href="javascript:alert(1)">här</a>.</p>'
        '<img src="https://tracker.example/pixel.gif"><img src="cid:logo@x">'
        '<form action="https://evil.example"><input name="p"></form>'
        '<p style="color: red; background-image: url(https://evil.example/x)">styled</p></body></html>'
    )
    parsed = parse_email(mail("From: a@example.com\nContent-Type: text/html; charset=utf-8", html))
    assert "Hej!" in parsed.body_text and "100231" in parsed.body_text
    assert "<script" not in parsed.body_html and "alert" not in parsed.body_html
    assert "onclick" not in parsed.body_html
    assert "javascript:" not in parsed.body_html
    assert "tracker.example" not in parsed.body_html
    assert 'src="cid:logo@x"' in parsed.body_html
    assert "<form" not in parsed.body_html and "<input" not in parsed.body_html
    assert "url(" not in parsed.body_html and "color:red" in parsed.body_html.replace(" ", "")
    assert parsed.remote_images_blocked == 1


def test_attachments_with_rfc2231_and_rfc2047_names_and_cid_images():
    png = base64.b64encode(b"\x89PNG fake").decode()
    body = f"""--b1
Content-Type: multipart/related; boundary=b2

--b2
Content-Type: text/html; charset=utf-8

<p>Se bild <img src="cid:img1@x"></p>
--b2
Content-Type: image/png
Content-ID: <img1@x>
Content-Transfer-Encoding: base64

{png}
--b2--
--b1
Content-Type: application/pdf
Content-Disposition: attachment; filename*=utf-8''F%C3%B6ljesedel%20100231.pdf
Content-Transfer-Encoding: base64

{base64.b64encode(b"%PDF-1.4").decode()}
--b1
Content-Type: text/plain; name="=?utf-8?Q?=C3=A5terk=C3=B6p.txt?="
Content-Disposition: attachment; filename="=?utf-8?Q?=C3=A5terk=C3=B6p.txt?="

hej
--b1
Content-Type: application/octet-stream
Content-Disposition: attachment; filename="../../etc/passwd"

x
--b1
Content-Type: application/octet-stream
Content-Disposition: attachment; filename*=utf-8''faktura%E2%80%AEfdp.exe

MZ
--b1--
"""
    parsed = parse_email(mail("From: a@example.com\nContent-Type: multipart/mixed; boundary=b1", body))
    by_name = {a.filename: a for a in parsed.attachments}
    assert set(by_name) == {
        "attachment-1.png",
        "Följesedel 100231.pdf",
        "återköp.txt",
        "passwd",
        "fakturafdp.exe",  # the right-to-left override that showed it as "fakturaexe.pdf" is gone
    }
    image = by_name["attachment-1.png"]
    assert image.content_id == "img1@x" and image.inline and image.content == b"\x89PNG fake"
    assert by_name["Följesedel 100231.pdf"].content == b"%PDF-1.4"
    assert not by_name["Följesedel 100231.pdf"].inline
    assert 'src="cid:img1@x"' in parsed.body_html


def test_forwarded_message_is_kept_as_an_eml_attachment():
    inner = "From: c@example.com\r\nSubject: Original fr\xe5ga\r\n\r\nInner body\r\n"
    body = (
        f"--b\nContent-Type: text/plain\n\nSee below\n--b\nContent-Type: message/rfc822\n\n{inner}\n--b--\n"
    )
    parsed = parse_email(mail("From: a@example.com\nContent-Type: multipart/mixed; boundary=b", body))
    eml = [a for a in parsed.attachments if a.content_type == "message/rfc822"]
    assert len(eml) == 1 and b"Inner body" in eml[0].content
    assert eml[0].filename.endswith(".eml")
    assert parsed.visible_text == "See below"


def test_uuencoded_block_becomes_an_attachment():
    encoded = binascii.b2a_uu(b"hello\n").decode()
    body = f"Here it is\n\nbegin 644 hello.txt\n{encoded}`\nend\n\nBye\n"
    parsed = parse_email(mail("From: a@example.com", body))
    assert [(a.filename, a.content) for a in parsed.attachments] == [("hello.txt", b"hello\n")]
    assert "begin 644" not in parsed.body_text


def test_uuencode_blocks_without_end_stay_text_and_cost_one_pass():
    # Thousands of "begin" lines and no "end" after them: the old begin-to-end regular expression
    # rescanned the rest of the text from each one (about 20 s for these 300 KB, half an hour for 3 MB).
    encoded = binascii.b2a_uu(b"hello\n").decode()
    body = f"Hi\nend\nbegin 644 ok.txt\n{encoded}`\nend\n" + "begin 644 a.txt\nnot uuencoded\n" * 10_000
    with deadline(seconds=3):
        parsed = parse_email(mail("From: a@example.com", body))
    assert [(a.filename, a.content) for a in parsed.attachments] == [("ok.txt", b"hello\n")]
    assert parsed.body_text.count("begin 644 a.txt") == 10_000


def test_a_broken_uuencoded_block_is_kept_in_the_text_with_a_defect():
    body = "Look:\nbegin 644 x.bin\n\x7f\x7f\x7f\x7f\nend\nBye\n"
    parsed = parse_email(mail("From: a@example.com", body))
    assert not parsed.attachments
    assert "begin 644 x.bin" in parsed.body_text and "Bye" in parsed.body_text
    assert "mime: broken uuencoded block left in the text" in parsed.defects


def test_pathological_header_is_capped_with_a_defect():
    raw = (CORPORA / "mime" / "flanker" / "long-header.eml").read_bytes()
    parsed = parse_email(raw, max_header_bytes=8192)
    assert len(parsed.subject) <= 8192
    assert any("truncated" in d for d in parsed.defects)


def test_html_nested_absurdly_deep_is_kept_as_text_in_bounded_time():
    # Sanitising costs the square of the depth: this took about 20 s, five times as many hours.
    html = "<div>" * 60_000 + "Hej, ordern 100231 kom aldrig." + "</div>" * 60_000
    raw = mail("From: a@example.se\nSubject: Djup\nContent-Type: text/html; charset=utf-8", html)
    with deadline(seconds=5):
        parsed = parse_email(raw)
    assert parsed.body_html == ""
    assert "ordern 100231 kom aldrig" in parsed.body_text
    assert any("nested more than" in defect for defect in parsed.defects)


def test_ordinary_large_html_is_still_sanitised_as_html():
    rows = "".join(f"<table><tr><td><div><p>Rad {n}</p></div></td></tr></table>" for n in range(3000))
    raw = mail("From: a@example.se\nSubject: Nyhetsbrev\nContent-Type: text/html; charset=utf-8", rows)
    parsed = parse_email(raw)
    assert "<table>" in parsed.body_html and "Rad 2999" in parsed.body_html
    assert not any("nested" in defect for defect in parsed.defects)


@pytest.mark.parametrize(
    "raw",
    [b"", b"   \r\n", b"\x00\x01\x02binary", b"just some text without headers\n", b"%PDF-1.4\n%\xe2\xe3"],
)
def test_non_mail_raises_parse_error_with_reason(raw):
    with pytest.raises(ParseError) as info:
        parse_email(raw)
    assert info.value.reason


def test_missing_and_broken_fields_are_empty_not_errors():
    parsed = parse_email(b"Subject: x\r\nDate: not a date\r\nFrom: not an address\r\n\r\nbody")
    assert parsed.date is None and parsed.from_address == "" and parsed.message_id == ""
    assert any("Date" in d for d in parsed.defects)


def test_raw_8bit_headers_follow_the_charset_the_message_declares():
    subject = "Счёт за заказ".encode("koi8-r")
    name = "Отчёт.txt".encode("koi8-r")
    raw = (
        b"From: a@example.ru\r\nSubject: "
        + subject
        + b"\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain; charset=koi8-r\r\n\r\n" + "Привет".encode("koi8-r") + b"\r\n"
        b'--b\r\nContent-Type: text/plain; charset=koi8-r\r\nContent-Disposition: attachment; filename="'
        + name
        + b'"\r\n\r\nx\r\n--b--\r\n'
    )
    parsed = parse_email(raw)
    assert parsed.subject == "Счёт за заказ"
    assert parsed.body_text.strip() == "Привет"
    assert [a.filename for a in parsed.attachments] == ["Отчёт.txt"]


@pytest.mark.parametrize(
    ("charset", "text"),
    [
        ("iso-2022-jp", "こんにちは、注文番号 100231 について"),
        ("csISO2022JP", "こんにちは、注文番号 100231 について"),
        ("ISO-2022-KR", "안녕하세요 주문 100231"),
        ("utf-7", "Hälsningar, order 100231"),
        ("hz-gb-2312", "你好，订单 100231"),
        ("utf-16-le", "Order 100231"),
    ],
)
def test_charsets_written_in_ascii_bytes_are_decoded_as_declared(charset, text):
    # ISO-2022 (the usual charset of Japanese mail), UTF-7, HZ and UTF-16 can be all ASCII bytes;
    # only the declaration says how to read them.
    codec = {"hz-gb-2312": "hz", "csISO2022JP": "iso-2022-jp"}.get(charset, charset)
    body, html = text.encode(codec), f"<p>{text}</p>".encode(codec)
    assert body.isascii()
    plain = parse_email(mail(f"From: a@example.jp\nContent-Type: text/plain; charset={charset}", body))
    assert plain.body_text == text
    only_html = parse_email(mail(f"From: a@example.jp\nContent-Type: text/html; charset={charset}", html))
    assert only_html.body_text.strip() == text


def test_raw_latin1_header_in_a_utf8_message_is_read_as_windows_1252():
    # Undeclared 8-bit header bytes that are not UTF-8, in a message whose body declares UTF-8.
    raw = mail(
        "From: Jörg <j@example.de>\nSubject: Grüße från Göteborg\nContent-Type: text/plain; charset=utf-8",
        "Hej då\n",
    )
    raw = raw.replace("Grüße från Göteborg".encode(), "Grüße från Göteborg".encode("latin-1"))
    parsed = parse_email(raw)
    assert parsed.subject == "Grüße från Göteborg"
    assert parsed.from_name == "Jörg"
    assert parsed.body_text == "Hej då\n"


def test_truncated_utf8_file_name_keeps_what_is_readable():
    raw = (CORPORA / "mime" / "flanker" / "russian-attachment-yahoo.eml").read_bytes()
    (attachment,) = parse_email(raw).attachments
    assert attachment.filename.startswith("Картинка с очень, очень длинным")


def _tnef(files: list[tuple[str, bytes]]) -> bytes:
    """A minimal TNEF stream (MS-OXTNEF): signature, key, version, code page, one block per file."""
    import struct

    def attr(level: int, attr_id: int, data: bytes) -> bytes:
        return struct.pack("<BII", level, attr_id, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)

    out = struct.pack("<IH", 0x223E9F78, 1) + attr(1, 0x00089006, struct.pack("<I", 0x10000))
    out += attr(1, 0x00069007, struct.pack("<II", 1252, 0))
    for name, data in files:
        out += attr(2, 0x00069002, b"\x01" + b"\x00" * 13)  # attachment rendering: starts a file
        out += attr(2, 0x00018010, name.encode("cp1252") + b"\x00")  # title
        out += attr(2, 0x0006800F, data)  # data
    return out


def test_winmail_dat_is_replaced_by_the_files_inside():
    winmail = base64.b64encode(_tnef([("faktura.pdf", b"%PDF-1.4"), ("bild.png", b"\x89PNG")])).decode()
    body = (
        "--b\nContent-Type: text/plain\n\nSee attached\n--b\nContent-Type: application/ms-tnef\n"
        'Content-Disposition: attachment; filename="winmail.dat"\nContent-Transfer-Encoding: base64\n\n'
        f"{winmail}\n--b--\n"
    )
    parsed = parse_email(mail("From: a@example.com\nContent-Type: multipart/mixed; boundary=b", body))
    assert [(a.filename, a.content_type, a.content) for a in parsed.attachments] == [
        ("faktura.pdf", "application/pdf", b"%PDF-1.4"),
        ("bild.png", "image/png", b"\x89PNG"),
    ]


def test_broken_winmail_dat_is_kept_with_a_defect():
    body = (
        "--b\nContent-Type: text/plain\n\nSee attached\n--b\nContent-Type: application/ms-tnef\n"
        'Content-Disposition: attachment; filename="winmail.dat"\n\nnot tnef at all\n--b--\n'
    )
    parsed = parse_email(mail("From: a@example.com\nContent-Type: multipart/mixed; boundary=b", body))
    assert [a.filename for a in parsed.attachments] == ["winmail.dat"]
    assert any("TNEF" in d for d in parsed.defects)


def test_white_space_before_a_colon_is_one_odd_header_not_an_unreadable_mail() -> None:
    raw = (
        b"Fro : Karin <karin@kund.example>\r\n"
        b"From: Karin <karin@kund.example>\r\n"
        b"Subject : Var \xc3\xa4r min order?\r\n"
        b"Message-ID: <odd@kund.example>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"\r\n"
        b"Hej!\r\nFoo : bar stays in the body.\r\n"
    )
    parsed = parse_email(raw)
    assert parsed.from_address == "karin@kund.example"
    assert parsed.subject == "Var är min order?"
    assert parsed.message_id == "<odd@kund.example>"
    assert "Foo : bar stays in the body." in parsed.body_text
    assert any("white space before the colon" in defect for defect in parsed.defects)
