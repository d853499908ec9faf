"""Bounce, complaint, auto-reply, bulk and report classification: behaviour and corpus scores."""

from __future__ import annotations

import gzip
import io
import zipfile

import pytest

from helpdesk.mail.parsing import parse_email
from tests.corpora import CORPORA, corpus_files
from tests.helpdesk.bounce_scoring import not_bounces_misclassified, score_bounces


def test_sisimai_corpus_scores():
    score = score_bounces()
    for miss in score.misses[:40]:
        print("miss", miss)
    print("\n" + score.summary())
    # Regression floors well below what the code reaches; the printed numbers are the measurement.
    assert score.detected / score.files >= 0.9
    assert score.recipients / score.files >= 0.85
    assert score.status / score.entries >= 0.8
    assert score.hard / score.entries >= 0.7


def test_hard_or_soft_agreement_with_sisimai_is_printed():
    # The measured goal (docs/decisions.md, "Bounces: hard or soft"): the figure is printed.
    # Two readings of "agree": strict counts a recipient we did not read (mail not taken for a bounce,
    # fewer recipients found) as a disagreement; as policy counts it as soft, which is what happens to
    # it (nothing is suppressed).
    score = score_bounces()
    strict = score.hard / score.entries
    as_policy = score.hard_as_policy / score.entries
    print(
        f"\nhard/soft agreement with sisimai on {score.entries} recipients: {100 * as_policy:.1f}% "
        f"as policy, {100 * strict:.1f}% strict"
    )
    # Floors below the measured figures (96.96% and 94.3% when written); the print is the measurement.
    assert as_policy >= 0.965
    assert strict >= 0.94


def test_look_alikes_are_not_bounces():
    assert not_bounces_misclassified() == []


DSN = b"""From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: support@nordlager.example
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

I'm sorry to have to inform you that your message could not be delivered.

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; gone@example.se
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <gone@example.se>: Recipient address rejected:
 User unknown in virtual mailbox table

Final-Recipient: rfc822; full@example.se
Action: delayed
Status: 4.2.2
Diagnostic-Code: smtp; 452 4.2.2 Mailbox full

--b
Content-Type: message/rfc822

From: support@nordlager.example
To: gone@example.se, full@example.se
Subject: Your order

Hello
--b--
"""


def test_rfc3464_dsn_gives_every_recipient_with_status_and_hardness():
    parsed = parse_email(DSN)
    assert parsed.kind == "bounce"
    gone, full = parsed.feedback
    assert (gone.address, gone.status, gone.action, gone.reply_code, gone.reason, gone.hard) == (
        "gone@example.se",
        "5.1.1",
        "failed",
        "550",
        "userunknown",
        True,
    )
    assert "User unknown in virtual mailbox table" in gone.diagnostic
    assert (full.address, full.status, full.action, full.reason, full.hard) == (
        "full@example.se",
        "4.2.2",
        "delayed",
        "mailboxfull",
        False,
    )


@pytest.mark.parametrize(
    ("name", "address", "hard"),
    [
        ("lhost-qmail-01.eml", "kijitora@example.ne.jp", True),
        ("lhost-exim-01.eml", "kijitora@example.ed.jp", False),
        ("lhost-postfix-01.eml", None, None),
        ("lhost-exchange2003-05.eml", "kijitora@example.com", True),
        ("lhost-gmail-06.eml", "kijitora@example.jp", False),
    ],
)
def test_non_standard_mta_texts(name, address, hard):
    parsed = parse_email((CORPORA / "bounces" / "sisimai" / name).read_bytes())
    assert parsed.kind == "bounce"
    assert parsed.feedback and all(f.address for f in parsed.feedback)
    if address:
        assert parsed.feedback[0].address == address
        assert parsed.feedback[0].hard is hard


def test_amazon_ses_json_notification():
    parsed = parse_email((CORPORA / "bounces" / "sisimai" / "lhost-amazonses-10.eml").read_bytes())
    assert parsed.kind == "bounce"
    assert [(f.address, f.status, f.hard) for f in parsed.feedback] == [
        ("bounce@simulator.amazonses.com", "5.1.1", True)
    ]


def test_arf_complaint_names_the_recipient_and_feedback_type():
    parsed = parse_email((CORPORA / "mime" / "flanker" / "complaints" / "yahoo.eml").read_bytes())
    assert parsed.kind == "complaint"
    assert [(f.address, f.feedback_type, f.hard) for f in parsed.feedback] == [
        ("user@yahoo.com", "abuse", False)
    ]


AUTO = b"From: anna@example.se\r\nTo: support@nordlager.example\r\nSubject: Subject\r\n"


@pytest.mark.parametrize(
    "extra",
    [
        b"Auto-Submitted: auto-replied\r\n",
        b"X-Auto-Response-Suppress: All\r\n",
        b"Precedence: auto_reply\r\n",
        b"X-Autoreply: yes\r\n",
        b"X-Autorespond: vacation\r\n",
    ],
)
def test_auto_reply_headers(extra):
    parsed = parse_email(AUTO + extra + b"\r\nI am away until Monday.\r\n")
    assert parsed.kind == "auto_reply" and parsed.auto_submitted


@pytest.mark.parametrize(
    "subject", ["Frånvaro: Order", "Autosvar: Order", "Out of Office: Order", "Automatische Antwort: Order"]
)
def test_out_of_office_subjects_are_a_weaker_signal(subject):
    raw = f"From: anna@example.se\r\nSubject: {subject}\r\n\r\nBorta.\r\n".encode()
    parsed = parse_email(raw)
    assert parsed.kind == "auto_reply" and not parsed.auto_submitted
    human = parse_email(f"From: anna@example.se\r\nSubject: Re: {subject}\r\n\r\nHej\r\n".encode())
    assert human.kind == "human"


@pytest.mark.parametrize(
    "subject",
    [
        "Semester i juli – kan ni leverera efter den 5:e?",
        "Ferie i uke 28, send ordren senere",
        "Absence of invoice for order 100231",
        "Vacation rental: wrong item delivered",
        "OOO-lampan kom trasig",
        "I am out of stock of your filters, please send more",
        "Frånvaro av kvitto på order 100231",
    ],
)
def test_customer_subjects_that_start_with_a_holiday_word_are_human(subject):
    # A customer's own new mail must get a draft: only the responder's "Word: ..." form, or the
    # word alone, is the weak subject signal for these everyday words.
    raw = f"From: anna@example.se\r\nSubject: {subject}\r\n\r\nHej!\r\n".encode()
    assert parse_email(raw).kind == "human"


@pytest.mark.parametrize(
    "subject",
    ["Semester: Re: Order 100231", "Ferie", "[OOO] Order", "Vacation reply", "Abwesenheit: Ihre Mail"],
)
def test_holiday_words_as_a_responder_writes_them_are_auto_replies(subject):
    raw = f"From: anna@example.se\r\nSubject: {subject}\r\n\r\nBorta.\r\n".encode()
    assert parse_email(raw).kind == "auto_reply"


def test_auto_submitted_no_is_human():
    parsed = parse_email(AUTO + b"Auto-Submitted: no\r\n\r\nHej\r\n")
    assert parsed.kind == "human" and not parsed.auto_submitted


@pytest.mark.parametrize(
    "extra",
    [b"List-Id: <news.example.se>\r\n", b"List-Unsubscribe: <mailto:u@x>\r\n", b"Precedence: bulk\r\n"],
)
def test_bulk_and_list_mail(extra):
    assert parse_email(AUTO + extra + b"\r\nNews\r\n").is_bulk


def test_every_dmarc_aggregate_eml_is_a_dmarc_report_with_its_payload():
    files = [p for p in corpus_files("dmarc/parsedmarc/aggregate") if p.suffix == ".eml"]
    assert files
    for path in files:
        parsed = parse_email(path.read_bytes())
        assert parsed.kind == "dmarc_report", path.name
        assert parsed.report


def _report_mail(content_type: str, filename: str, payload: bytes) -> bytes:
    import base64

    return (
        b"From: noreply-dmarc-support@google.com\r\nSubject: Report domain: nordlager.example\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nReport\r\n"
        + f"--b\r\nContent-Type: {content_type}\r\n".encode()
        + f'Content-Disposition: attachment; filename="{filename}"\r\n'.encode()
        + b"Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(payload)
        + b"--b--\r\n"
    )


DMARC_XML = (
    b'<?xml version="1.0"?><feedback><report_metadata><org_name>google.com</org_name></report_metadata>'
    b"<policy_published><domain>nordlager.example</domain></policy_published></feedback>"
)


@pytest.mark.parametrize("packing", ["xml", "gz", "zip"])
def test_dmarc_report_in_xml_gz_and_zip(packing):
    if packing == "gz":
        payload, ctype, name = gzip.compress(DMARC_XML), "application/gzip", "r.xml.gz"
    elif packing == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("r.xml", DMARC_XML)
        payload, ctype, name = buffer.getvalue(), "application/zip", "r.zip"
    else:
        payload, ctype, name = DMARC_XML, "text/xml", "r.xml"
    parsed = parse_email(_report_mail(ctype, name, payload))
    assert parsed.kind == "dmarc_report" and parsed.report == payload


def test_tls_report():
    path = CORPORA / "dmarc" / "parsedmarc" / "smtp_tls" / "google.com_smtp_tls_report.eml"
    parsed = parse_email(path.read_bytes())
    assert parsed.kind == "tls_report"
    report = gzip.decompress(parsed.report) if parsed.report[:2] == b"\x1f\x8b" else parsed.report
    assert b'"policies"' in report


def test_a_zip_that_is_not_a_report_leaves_a_human_mail_human():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("invoice.pdf", b"%PDF-1.4")
    parsed = parse_email(_report_mail("application/zip", "invoices.zip", buffer.getvalue()))
    assert parsed.kind == "human"


@pytest.mark.parametrize(
    ("status", "diagnostic", "reason"),
    [
        ("5.1.1", "550 5.1.1 <a@example.se>: User unknown", "userunknown"),
        ("5.0.0", "552 Mailbox full", "mailboxfull"),
        ("5.7.1", "554 5.7.1 Service unavailable; Client host blocked using zen.spamhaus.org", "blocked"),
        ("4.4.7", "Delivery time expired", "expired"),
        ("5.2.1", "550 5.2.1 <a@example.se>... User Unknown", "filtered"),
        ("5.6.0", "554 5.6.0 This message has been scored as spam", "spamdetected"),
        ("", "Unrouteable address", "hostunknown"),
        (
            "5.7.1",
            "551 5.7.1 <a@example.se>: Recipient address rejected: Delivery not authorized",
            "securityerror",
        ),
        ("5.1.10", "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found", "notaccept"),
        ("5.0.0", "550 This user doesn't have a yahoo.com account", "userunknown"),
        # "User unknown" condemns the address when the status says so or the server said it to RCPT;
        # said after DATA, or at an unknown point, it is a content filter's wording.
        ("5.0.0", "550 <a@example.se>: User unknown (in reply to RCPT TO command)", "userunknown"),
        ("5.0.0", "550 User unknown (in reply to end of DATA command)", "filtered"),
        ("", "550 No such user", "filtered"),
        (
            "5.4.4",
            "Name service error for name=example.org type=MX: Malformed or unexpected reply",
            "networkerror",
        ),
        ("5.1.1", "550 5.1.1 <a@example.se> has sent to too many recipients this hour", "toomanyconn"),
        ("", "", ""),
    ],
)
def test_reasons_from_status_and_remote_text(status, diagnostic, reason):
    from helpdesk.mail.bounce_reasons import classify_reason

    assert classify_reason(status, diagnostic) == reason


def test_delivered_and_delayed_are_never_hard():
    from helpdesk.mail.bounce_reasons import classify_reason

    assert classify_reason("2.0.0", "250 OK", "delivered") == "delivered"
    parsed = parse_email(DSN)
    assert [f.hard for f in parsed.feedback if f.action == "delayed"] == [False]


def test_a_person_writing_through_a_mailing_list_is_human_and_bulk():
    raw = AUTO + b"Precedence: list\r\nList-Id: <kunder.nordlager.example>\r\n\r\nHej, var ar min order?\r\n"
    parsed = parse_email(raw)
    assert parsed.kind == "human" and parsed.is_bulk and not parsed.auto_submitted


def test_amazon_ses_complaint_notification_names_the_complained_recipient():
    parsed = parse_email((CORPORA / "bounces" / "sisimai" / "lhost-amazonses-11.eml").read_bytes())
    assert parsed.kind == "complaint"
    # Only the complained recipient: the copied mail's sender and headers are not complaints.
    assert [(f.address, f.feedback_type, f.hard) for f in parsed.feedback] == [
        ("complaint@simulator.amazonses.com", "abuse", False)
    ]


def test_an_ses_complaint_wrapped_by_sns_as_an_escaped_string_is_read():
    inner = (
        '{"notificationType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":'
        '"Kund@Example.se"}],"complaintFeedbackType":"not-spam"},"mail":{"source":"support@shop.example",'
        '"destination":["kund@example.se"]}}'
    )
    sns = '{"Type":"Notification","Message":"' + inner.replace('"', '\\"') + '"}'
    raw = (
        "From: AWS Notifications <no-reply@sns.amazonaws.com>\r\nTo: ops@shop.example\r\n"
        "Subject: AWS Notification Message\r\nMessage-ID: <sns-1@example>\r\n\r\n" + sns + "\r\n"
    ).encode()
    parsed = parse_email(raw)
    assert parsed.kind == "complaint"
    assert [(f.address, f.feedback_type) for f in parsed.feedback] == [("kund@example.se", "not-spam")]


def test_a_mail_that_only_mentions_an_ses_complaint_is_not_one():
    raw = (
        b"From: Anna <anna@kund.example>\r\nTo: support@shop.example\r\nSubject: Complaint\r\n"
        b"Message-ID: <h-1@example>\r\n\r\nI have a Complaint about my order 100231.\r\n"
    )
    assert parse_email(raw).kind == "human"
