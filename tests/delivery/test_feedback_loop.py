"""The feedback loop: bounces and complaints that come back by mail find their reply and act on it.

The end-to-end test sends a reply through the real queue to a real SMTP relay (aiosmtpd) with a VERP
envelope sender, writes the DSN an MTA writes for it (RFC 3464, the original's headers returned) into
the real Dovecot bounce mailbox, fetches it through ingest, and lets the task act on it. Postfix is not
on the CI machines (docs/decisions.md says why this stands in for it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from delivery.feedback import Feedback, handle_reports, record_feedback
from delivery.models import DeliveryEvent, FeedbackReport, OutboundMessage, Suppression
from delivery.queue import send_pass
from delivery.selectors import problem_ticket_ids
from helpdesk.ingest.services import poll_mailbox
from helpdesk.models import AuditEvent, Ticket
from tests.delivery.helpers import queue
from tests.helpdesk.ingest_support import add_imap_mailbox
from tests.services import Dovecot, SmtpSink

pytestmark = pytest.mark.django_db
Status = OutboundMessage.Status


def dsn(
    *,
    to: str,
    recipient: str,
    original_headers: str,
    status: str = "5.1.1",
    diagnostic: str = "550 5.1.1 <{r}>: Recipient address rejected: User unknown in virtual mailbox table",
    action: str = "failed",
) -> bytes:
    """A DSN as Postfix writes it: human part, delivery-status, the original's headers."""
    diagnostic = diagnostic.format(r=recipient)
    return (
        f"Return-Path: <>\r\nFrom: MAILER-DAEMON@mx.kund.example (Mail Delivery System)\r\n"
        f"To: {to}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: <dsn.{abs(hash(recipient + status))}@mx.kund.example>\r\n"
        f"Date: {timezone.now():%a, %d %b %Y %H:%M:%S +0000}\r\nAuto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\n"
        "I'm sorry to have to inform you that your message could not\r\n"
        f"be delivered to one or more recipients.\r\n\r\n<{recipient}>: host mx.kund.example said: "
        f"{diagnostic} (in reply to RCPT TO command)\r\n\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.kund.example\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: {action}\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; {diagnostic}\r\n\r\n"
        f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\n{original_headers}\r\n--B--\r\n"
    ).encode()


def headers_of(raw: bytes) -> str:
    return raw.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")


def test_a_bounce_in_the_bounce_mailbox_is_matched_by_verp_suppresses_and_shows_on_the_ticket(
    relay: SmtpSink, dovecot: Dovecot, imap_account: tuple[str, str], settings: Any
) -> None:
    settings.DELIVERY_BOUNCE_ADDRESS = "bounces@nordlager.example"
    outbound = queue(to="gone@kund.example")
    Ticket.objects.filter(pk=outbound.ticket_id).update(status=Ticket.Status.PENDING)
    send_pass()
    sent = relay.messages[0]
    bounce_mailbox = add_imap_mailbox(dovecot, *imap_account, name="bounces")
    # The original's Message-ID is left out, so only the VERP address can find the reply.
    returned = "\r\n".join(
        line for line in headers_of(sent.data).split("\r\n") if not line.lower().startswith("message-id")
    )
    dovecot.append(
        bounce_mailbox.username,
        bounce_mailbox.password,
        dsn(to=sent.mail_from, recipient="gone@kund.example", original_headers=returned),
    )

    assert poll_mailbox(bounce_mailbox).ok
    report = FeedbackReport.objects.get()
    assert report.kind == "bounce" and report.handled_at is None
    handle_reports()

    outbound.refresh_from_db()
    event = DeliveryEvent.objects.get()
    assert (event.outbound_id, event.kind, event.hard, event.status, event.reason) == (
        outbound.pk,
        "bounced",
        True,
        "5.1.1",
        "userunknown",
    )
    assert event.data["matched_by"] == "verp"
    assert outbound.status == Status.BOUNCED and "User unknown" in outbound.last_error
    assert Suppression.objects.active().filter(address="gone@kund.example", reason="hard_bounce").exists()
    ticket = Ticket.objects.get(pk=outbound.ticket_id)
    assert ticket.status == Ticket.Status.OPEN  # reopened: the customer never got the answer
    assert outbound.ticket_id in {row["ticket_id"] for row in problem_ticket_ids()}
    report.refresh_from_db()
    assert report.handled_at is not None

    # Handling again changes nothing.
    FeedbackReport.objects.update(handled_at=None)
    handle_reports()
    assert DeliveryEvent.objects.count() == 1
    assert Suppression.objects.filter(address="gone@kund.example").count() == 1
    assert AuditEvent.objects.filter(action="outbound.bounced", object_id=str(outbound.pk)).count() == 1


def sent_reply(to: str = "kund@kund.example", key: str = "reply:1") -> OutboundMessage:
    outbound = queue(to=to, key=key)
    OutboundMessage.objects.filter(pk=outbound.pk).update(status=Status.SENT, sent_at=timezone.now())
    outbound.refresh_from_db()
    return outbound


def report_for(raw: bytes, kind: str = "bounce", recipients: list[dict[str, Any]] | None = None) -> None:
    from helpdesk.ingest.services import store_raw_email
    from helpdesk.mail.parsing import parse_email

    parsed = parse_email(raw)
    row = store_raw_email(raw=raw)
    record_feedback(
        items=[Feedback(kind=kind, recipients=recipients or parsed.feedback, inbound_email_id=row.pk)]
    )


def test_a_bounce_without_verp_is_matched_by_the_returned_message_id() -> None:
    outbound = sent_reply()
    original = f"Message-ID: {outbound.message_id}\r\nTo: kund@kund.example\r\nSubject: Re: order"
    report_for(dsn(to="support@nordlager.example", recipient="kund@kund.example", original_headers=original))
    handle_reports()
    event = DeliveryEvent.objects.get()
    assert event.outbound_id == outbound.pk and event.data["matched_by"] == "message_id"


def test_a_bounce_with_nothing_else_is_matched_by_recipient_and_time() -> None:
    outbound = sent_reply()
    report_for(dsn(to="support@nordlager.example", recipient="kund@kund.example", original_headers="X: y"))
    handle_reports()
    assert DeliveryEvent.objects.get().data["matched_by"] == "recipient"
    assert DeliveryEvent.objects.get().outbound_id == outbound.pk


def test_a_bounce_that_matches_nothing_is_kept_listed_and_suppresses_nobody() -> None:
    report_for(
        dsn(to="support@nordlager.example", recipient="stranger@elsewhere.example", original_headers="X: y")
    )
    counts = handle_reports()
    event = DeliveryEvent.objects.get()
    assert event.outbound_id is None and event.recipient == "stranger@elsewhere.example"
    assert counts["unmatched"] == 1
    assert not Suppression.objects.exists()  # backscatter must not poison the list
    assert FeedbackReport.objects.get().handled_at is not None


def test_soft_bounces_count_and_the_limit_suppresses_for_a_while(settings: Any) -> None:
    settings.DELIVERY_SOFT_BOUNCE_LIMIT = 3
    for number in range(3):
        outbound = sent_reply(key=f"reply:{number}")
        original = f"Message-ID: {outbound.message_id}"
        report_for(
            dsn(
                to="x@nordlager.example",
                recipient="kund@kund.example",
                original_headers=original,
                status="5.2.2",
                diagnostic="552 5.2.2 <{r}>: Mailbox full",
            )
        )
        handle_reports()
        active = Suppression.objects.active().filter(address="kund@kund.example")
        assert active.exists() is (number == 2)
    entry = Suppression.objects.get()
    assert entry.reason == "soft_bounces" and entry.expires_at is not None
    assert entry.expires_at > timezone.now() + dt.timedelta(days=20)
    assert list(DeliveryEvent.objects.values_list("hard", flat=True)) == [False, False, False]


def test_a_delayed_dsn_is_a_deferral_not_a_bounce() -> None:
    outbound = sent_reply()
    raw = dsn(
        to="x@nordlager.example",
        recipient="kund@kund.example",
        original_headers=f"Message-ID: {outbound.message_id}",
        status="4.4.1",
        diagnostic="451 4.4.1 no answer from host",
        action="delayed",
    )
    report_for(raw)
    handle_reports()
    outbound.refresh_from_db()
    assert DeliveryEvent.objects.get().kind == "deferred"
    assert outbound.status == Status.SENT and not Suppression.objects.exists()


ARF = """From: staff@hotmail.example\r
To: abuse@nordlager.example\r
Subject: complaint about message\r
MIME-Version: 1.0\r
Content-Type: multipart/report; report-type=feedback-report; boundary="A"\r
\r
--A\r
Content-Type: text/plain\r
\r
This is an email abuse report.\r
--A\r
Content-Type: message/feedback-report\r
\r
Feedback-Type: abuse\r
User-Agent: SomeGenerator/1.0\r
Version: 1\r
Original-Rcpt-To: <kund@kund.example>\r
\r
--A\r
Content-Type: text/rfc822-headers\r
\r
Message-ID: {message_id}\r
To: kund@kund.example\r
--A--\r
"""


def test_a_complaint_suppresses_bulk_marks_the_message_and_flags_a_reply_for_a_supervisor() -> None:
    outbound = sent_reply()
    report_for(ARF.format(message_id=outbound.message_id).encode(), kind="complaint")
    handle_reports()
    outbound.refresh_from_db()
    event = DeliveryEvent.objects.get()
    assert (event.kind, event.source, event.outbound_id) == ("complained", "arf", outbound.pk)
    assert outbound.status == Status.COMPLAINED
    entry = Suppression.objects.get(address="kund@kund.example")
    assert (entry.reason, entry.scope) == ("complaint", "bulk")  # replies the customer asks for still go
    assert AuditEvent.objects.filter(
        action="outbound.complaint_on_reply", object_id=str(outbound.pk)
    ).exists()


def test_a_complaint_amazon_ses_sends_by_mail_is_matched_by_its_recipient_and_suppresses() -> None:
    outbound = sent_reply()
    complaint = (
        '{"notificationType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":'
        '"kund@kund.example"}],"complaintFeedbackType":"abuse","userAgent":"Yahoo!-Mail-Feedback/2.0"},'
        '"mail":{"source":"support@nordlager.example","destination":["kund@kund.example"]}}'
    )
    raw = (
        "From: AWS Notifications <no-reply@sns.amazonaws.com>\r\nTo: ops@nordlager.example\r\n"
        "Subject: AWS Notification Message\r\nMessage-ID: <sns-2@example>\r\n\r\n" + complaint + "\r\n"
    ).encode()
    report_for(raw, kind="complaint")
    handle_reports()
    outbound.refresh_from_db()
    event = DeliveryEvent.objects.get()
    matched = (event.kind, event.outbound_id, event.data["matched_by"])
    assert matched == ("complained", outbound.pk, "recipient")
    assert outbound.status == Status.COMPLAINED
    assert Suppression.objects.get(address="kund@kund.example").reason == "complaint"


def test_record_feedback_asks_for_the_task_after_commit(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        record_feedback(items=[Feedback(kind="bounce", recipients=[{"address": "a@b.example"}])])
    assert len(callbacks) == 1
