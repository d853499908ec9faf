"""Every client form documented in helpdesk/mail/reply_examples.py is read as what it is, in its language."""

from __future__ import annotations

import pytest

from helpdesk.mail.quotes import split_reply
from helpdesk.mail.reply_examples import CLIENT_FORMS, ClientForm
from helpdesk.mail.reply_phrases import LANGUAGES

REPLY = "Tack för svaret, vi hörs i morgon."
OLD = "Hej Anna,\nordern 100231 är skickad."


def _forms(*kinds: str) -> list[ClientForm]:
    return [form for form in CLIENT_FORMS if form.kind in kinds]


def _id(form: ClientForm) -> str:
    return f"{form.client}-{form.language}-{form.example[:30]}"


def test_the_issue_languages_are_all_in_the_table():
    required = {"sv", "no", "da", "fi", "de", "en", "fr", "nl", "pl", "es", "it", "pt", "ru"}
    assert required <= set(LANGUAGES)
    for code in required:
        language = LANGUAGES[code]
        assert language.wrote and language.from_ and language.date and language.subject, code
        assert language.device and language.sign_offs and language.forwarded, code
    assert {form.language for form in CLIENT_FORMS} >= required


@pytest.mark.parametrize("form", _forms("attribution"), ids=_id)
def test_attributions_start_the_quote_above_quoted_and_unquoted_history(form):
    for history in (f"> {OLD.replace(chr(10), chr(10) + '> ')}", OLD):
        split = split_reply(f"{REPLY}\n\n{form.example}\n\n{history}\n")
        assert split.visible == REPLY, (form.example, history)
        assert "ordern 100231" in split.quoted
        attribution = next(rule for rule in split.rules if rule.name == "attribution")
        assert attribution.line == 3 and form.example.startswith(attribution.text[:20])


@pytest.mark.parametrize("form", _forms("header"), ids=_id)
def test_header_blocks_start_the_quote_and_name_their_language(form):
    split = split_reply(f"{REPLY}\n\n{form.example}\n\n{OLD}\n")
    assert split.visible == REPLY
    assert "ordern 100231" in split.quoted and not split.forwards
    (rule,) = split.rules
    assert (rule.part, rule.name, rule.line) == ("quoted", "header_block", 3)
    assert form.language in rule.language.split(",")


@pytest.mark.parametrize("form", _forms("original"), ids=_id)
def test_original_message_separators_start_the_quote(form):
    split = split_reply(f"{REPLY}\n\n{form.example}\nFrom: Nordlager Support\n\n{OLD}\n")
    assert split.visible == REPLY and "ordern 100231" in split.quoted
    assert split.rules[0].name == "separator" and form.language in split.rules[0].language.split(",")


@pytest.mark.parametrize("form", _forms("forward"), ids=_id)
def test_forward_separators_keep_the_forwarded_mail_with_its_sender(form):
    header = "From: Nordlager Support <s@n.example>\nDate: Tue, 5 Mar 2024 at 10:15\nSubject: Order 100231\n"
    split = split_reply(f"{REPLY}\n\n{form.example}\n{header}\n{OLD}\n")
    assert split.visible == REPLY and split.quoted == ""
    (forward,) = split.forwards
    assert forward.sender == "Nordlager Support <s@n.example>" and forward.subject == "Order 100231"
    assert forward.text == OLD
    assert split.rules[0].part == "forward"


@pytest.mark.parametrize("form", _forms("device"), ids=_id)
def test_device_lines_are_the_signature(form):
    split = split_reply(f"{REPLY}\n\n{form.example}")
    assert (split.visible, split.signature) == (REPLY, form.example)
    (rule,) = split.rules
    assert rule.name == "device" and form.language in rule.language.split(",")


@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_every_sign_off_of_the_table_starts_a_signature(code):
    for sign_off in LANGUAGES[code].sign_offs:
        split = split_reply(f"{REPLY}\n\n{sign_off},\nAnna Berg")
        assert split.visible == REPLY, sign_off
        assert split.signature.startswith(sign_off), sign_off
