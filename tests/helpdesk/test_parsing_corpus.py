"""Every real and hostile message of the shared corpora parses or is refused with a reason."""

from __future__ import annotations

import pytest

from helpdesk.mail.parsing import KINDS, ParseError, parse_email
from tests.corpora import CORPORA, corpus_files

MIME_AND_BOUNCES = corpus_files("mime", "bounces")


def test_corpora_are_present():
    assert CORPORA.is_dir(), f"corpora missing at {CORPORA}"
    assert len(MIME_AND_BOUNCES) > 500


def test_no_corpus_file_raises_anything_but_parse_error():
    parsed = refused = 0
    for path in MIME_AND_BOUNCES:
        raw = path.read_bytes()
        try:
            result = parse_email(raw)
        except ParseError as exc:
            assert exc.reason, path
            refused += 1
            continue
        assert result.kind in KINDS, path
        assert result.size == len(raw)
        # That mail with content never comes out empty is checked below, on the files that are mail.
        parsed += 1
    print(f"\ncorpus: {parsed} parsed, {refused} refused with a reason")
    assert parsed > refused


@pytest.mark.parametrize("name", ["enclosed-bad-encoding.eml", "enclosed-broken-body.eml"])
def test_attached_messages_with_raw_8bit_headers_parse(name):
    result = parse_email((CORPORA / "mime" / "flanker" / name).read_bytes())
    attached = [a for a in result.attachments if a.content_type == "message/rfc822"]
    assert attached, "the enclosed message is kept as an attachment"
    # Its raw 8-bit bytes survive, and it reads back as the same mail.
    assert any(b > 127 for b in attached[0].content)
    inner = parse_email(attached[0].content)
    assert (inner.subject, inner.from_address) == ("Thanks!", "dan@example.com")


def test_every_file_that_is_mail_yields_text_or_a_classification():
    empty = []
    for path in corpus_files("mime/flanker"):
        if path.suffix != ".eml":
            continue
        try:
            result = parse_email(path.read_bytes())
        except ParseError:
            continue
        if result.kind == "human" and not (result.body_text.strip() or result.attachments or result.subject):
            empty.append(path.name)
    assert not empty, f"messages with nothing readable: {empty}"
