"""Forwarded mail: kept as a part of the message, with its sender and date, and shown on the ticket."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from helpdesk.ingest.services import process_stored, store_raw_email
from helpdesk.mail.parsing import parse_email
from helpdesk.models import Message
from tests.helpdesk.ingest_support import inbound_messages, make_mail

pytestmark = pytest.mark.django_db

GMAIL_FORWARD = (
    "Kan ni hjälpa mig med detta?\n\n"
    "---------- Vidarebefordrat meddelande ---------\n"
    "Från: Speditionen <info@spedition.example>\n"
    "Date: tis 5 mars 2024 kl 10:15\n"
    "Subject: Leverans 100231 försenad\n"
    "To: <karin@kund.example>\n\n"
    "Hej, leveransen av order 100231 är försenad till vecka 12.\n"
)
OUTLOOK_FORWARD = (
    "Se nedan.\n\n"
    "________________________________\n"
    "Från: Speditionen <info@spedition.example>\n"
    "Skickat: den 5 mars 2024 10:15\n"
    "Till: Karin Kund\n"
    "Ämne: Leverans 100231 försenad\n\n"
    "Hej, leveransen av order 100231 är försenad till vecka 12.\n"
)


def _ingest(raw: bytes) -> Message:
    store_raw_email(raw=raw)
    process_stored()
    (message,) = inbound_messages()
    return message


def test_a_gmail_forward_is_stored_with_its_sender_date_and_text() -> None:
    message = _ingest(make_mail(subject="Fwd: Leverans 100231 försenad", body=GMAIL_FORWARD))
    assert message.visible_text == "Kan ni hjälpa mig med detta?"
    assert message.quoted_text == ""
    assert message.forwarded == [
        {
            "sender": "Speditionen <info@spedition.example>",
            "date": "tis 5 mars 2024 kl 10:15",
            "subject": "Leverans 100231 försenad",
            "to": "<karin@kund.example>",
            "text": "Hej, leveransen av order 100231 är försenad till vecka 12.",
        }
    ]


def test_an_outlook_header_block_is_a_forward_only_under_a_forward_subject() -> None:
    forward = parse_email(make_mail(subject="VB: Leverans 100231 försenad", body=OUTLOOK_FORWARD))
    assert forward.visible_text == "Se nedan." and forward.quoted_text == ""
    assert [(f.sender, f.date) for f in forward.forwards] == [
        ("Speditionen <info@spedition.example>", "den 5 mars 2024 10:15")
    ]
    assert forward.split_rules[0].name == "header_block+forward_subject"
    reply = parse_email(make_mail(subject="SV: Leverans 100231 försenad", body=OUTLOOK_FORWARD))
    assert reply.visible_text == "Se nedan." and not reply.forwards
    assert "försenad till vecka 12" in reply.quoted_text


def test_a_gmail_html_forward_is_read_from_its_quote_container() -> None:
    html = (
        '<div dir="ltr">Titta på detta.<br><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
        "---------- Forwarded message ---------<br>From: <strong>Speditionen</strong> "
        "&lt;info@spedition.example&gt;<br>Date: Tue, 5 Mar 2024 at 10:15<br>Subject: Leverans<br>"
        "To: &lt;karin@kund.example&gt;<br></div><br><div>Leveransen är försenad.</div></div></div>"
    )
    raw = (
        "From: karin@kund.example\r\nSubject: Fwd: Leverans\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        + html
    ).encode()
    parsed = parse_email(raw)
    assert parsed.visible_text == "Titta på detta."
    (forward,) = parsed.forwards
    assert forward.sender == "Speditionen <info@spedition.example>"
    assert forward.date == "Tue, 5 Mar 2024 at 10:15" and forward.text == "Leveransen är försenad."


def test_the_ticket_page_shows_the_forward_collapsed_with_its_sender_and_date(
    client: Client, agent: Any
) -> None:
    message = _ingest(make_mail(subject="Fwd: Leverans 100231 försenad", body=GMAIL_FORWARD))
    client.force_login(agent)
    page = client.get(reverse("ticket", args=[message.ticket_id])).text
    assert '<details class="quoted forwarded"><summary>' in page
    assert "Speditionen &lt;info@spedition.example&gt;, tis 5 mars 2024 kl 10:15" in page
    assert "försenad till vecka 12" in page
    assert "Kan ni hjälpa mig med detta?" in page


def test_a_mail_that_is_only_a_forward_shows_the_forward_open(client: Client, agent: Any) -> None:
    body = GMAIL_FORWARD.replace("Kan ni hjälpa mig med detta?\n\n", "")
    message = _ingest(make_mail(subject="Fwd: Leverans 100231 försenad", body=body))
    assert message.visible_text == "" and len(message.forwarded) == 1
    client.force_login(agent)
    page = client.get(reverse("ticket", args=[message.ticket_id])).text
    assert '<details class="quoted forwarded" open>' in page
    assert "Nothing written above the forwarded message." in page


def test_the_api_gives_the_forwarded_messages(client: Client, agent: Any) -> None:
    message = _ingest(make_mail(subject="Fwd: Leverans 100231 försenad", body=GMAIL_FORWARD))
    client.force_login(agent)
    (row,) = client.get(f"/api/tickets/{message.ticket_id}/messages/").json()
    assert row["forwarded"][0]["sender"] == "Speditionen <info@spedition.example>"


def test_a_quoted_apple_mail_forward_is_unquoted_and_the_text_below_it_stays_visible() -> None:
    parsed = parse_email(
        make_mail(
            subject="Fwd: Leverans",
            body=(
                "Hej,\n\n> Begin forwarded message:\n>\n> From: Speditionen <info@spedition.example>\n"
                "> Date: 5 March 2024 10:15:00 CET\n> Subject: Leverans\n>\n> Leveransen är försenad.\n\n"
                "Vad gäller?\n"
            ),
        )
    )
    assert parsed.visible_text == "Hej,\n\nVad gäller?"
    (forward,) = parsed.forwards
    assert (forward.sender, forward.date) == (
        "Speditionen <info@spedition.example>",
        "5 March 2024 10:15:00 CET",
    )
    assert forward.text == "Leveransen är försenad."
