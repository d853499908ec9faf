"""The real services the suite relies on really serve IMAP and SMTP."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

import pytest
from django.core.mail import send_mail

from tests.services import Dovecot, SmtpSink


def test_dovecot_serves_appended_mail_over_imap(dovecot: Dovecot, imap_account: tuple[str, str]) -> None:
    login, password = imap_account
    dovecot.append(
        login, password, b"From: a@kund.example\r\nSubject: Hej\r\nMessage-ID: <x@y>\r\n\r\nBody\r\n"
    )
    client = dovecot.connect(login, password)
    try:
        status, data = client.select("INBOX")
        assert status == "OK" and data == [b"1"]
        _, fetched = client.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        assert b"Subject: Hej" in fetched[0][1]
    finally:
        client.logout()


def test_dovecot_refuses_a_wrong_password(dovecot: Dovecot, imap_account: tuple[str, str]) -> None:
    import imaplib

    with pytest.raises(imaplib.IMAP4.error):
        dovecot.connect(imap_account[0], "wrong")


def test_accounts_are_isolated(dovecot: Dovecot) -> None:
    first, second = dovecot.add_user(), dovecot.add_user()
    dovecot.append(*first, b"Subject: one\r\n\r\nx\r\n")
    client = dovecot.connect(*second)
    try:
        assert client.select("INBOX")[1] == [b"0"]
    finally:
        client.logout()


def test_smtp_sink_records_mail_sent_by_django(smtp_sink: SmtpSink) -> None:
    sent = send_mail("Din order", "Den är på väg.", "support@nordlager.example", ["kund@kund.example"])
    assert sent == 1
    assert len(smtp_sink.messages) == 1
    assert smtp_sink.messages[0].rcpt_tos == ["kund@kund.example"]
    assert b"Subject: Din order" in smtp_sink.messages[0].data


def test_smtp_sink_answers_scripted_failures_per_recipient(smtp_sink: SmtpSink) -> None:
    smtp_sink.fail_recipient("gone@kund.example", "550 5.1.1 User unknown")
    smtp_sink.fail_recipient("busy@kund.example", "451 4.7.1 Try again later")
    message = EmailMessage()
    message["From"], message["Subject"] = "support@nordlager.example", "x"
    message.set_content("x")
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port) as client:
        refused = client.send_message(
            message, to_addrs=["gone@kund.example", "busy@kund.example", "ok@kund.example"]
        )
    assert refused["gone@kund.example"][0] == 550
    assert refused["busy@kund.example"][0] == 451
    assert smtp_sink.messages[0].rcpt_tos == ["ok@kund.example"]


def test_smtp_sink_can_drop_the_connection(smtp_sink: SmtpSink) -> None:
    smtp_sink.handler.drop_connection = True
    with pytest.raises((smtplib.SMTPServerDisconnected, smtplib.SMTPDataError)):  # noqa: SIM117
        with smtplib.SMTP(smtp_sink.host, smtp_sink.port) as client:
            client.sendmail("support@nordlager.example", ["x@kund.example"], b"Subject: x\r\n\r\nx\r\n")
    assert smtp_sink.messages == []
