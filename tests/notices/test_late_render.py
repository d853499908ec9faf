"""Bulk notices are queued without their MIME and rendered as they leave: the same bytes on every try
(the Message-ID fixed when queued), DKIM-signed with the unsubscribe headers inside the signature, the
GDPR export shows the mail of a notice still queued, and a notice that waited for an A/B test leaves
with the winning subject."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pytest
from django.utils import timezone

from delivery import dkim, unsubscribe
from delivery.message import mime_of
from delivery.models import OutboundMessage
from delivery.queue import send_pass
from helpdesk.models import Contact, Message
from notices import services
from notices.models import Notice, Recipient
from privacy import services as privacy
from tests.delivery.helpers import parsed
from tests.notices.helpers import consenting_customers, draft_and_approve
from tests.services import SmtpSink

pytestmark = pytest.mark.django_db


def address(n: int) -> str:
    return f"kund{n}@kund.example"


def approved_notice(supervisor: Any, count: int, **options: Any) -> Notice:
    """A notice to ``count`` consenting contacts, drafted, its sample reviewed and approved."""
    consenting_customers(count, address)
    notice = services.create_notice(
        user=supervisor, name="Late", kind="delayed_shipments", min_days=2, **options
    )
    draft_and_approve(notice, supervisor)
    return notice


def queued_notice(supervisor: Any) -> OutboundMessage:
    notice = approved_notice(supervisor, 1)
    assert services.queue_recipients(notice_id=notice.pk) == 1
    return OutboundMessage.objects.get(stream="bulk")


def test_a_notice_is_queued_without_its_mime_and_leaves_signed_with_its_unsubscribe_headers(
    supervisor: Any, relay: SmtpSink, dkim_keys: dict[str, str]
) -> None:
    outbound = queued_notice(supervisor)
    assert bytes(outbound.raw_message) == b"" and outbound.renders_when_sent

    send_pass(stream="bulk")

    data = relay.messages[0].data
    mail = parsed(data)
    assert mail["Message-ID"] == outbound.message_id and mail["Subject"] == outbound.subject
    assert str(mail["List-Unsubscribe"]).split() == outbound.headers["List-Unsubscribe"].split()
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["Auto-Submitted"] == "auto-generated"
    verdicts = dkim.verify_all(data, dkim_keys)
    assert verdicts and all(verdict.valid for verdict in verdicts)
    signed = [
        str(v).replace(" ", "").replace("\r\n", "").lower() for k, v in mail.items() if k == "DKIM-Signature"
    ]
    assert signed and all("list-unsubscribe:list-unsubscribe-post" in header for header in signed)
    # What the worker sent is what the export shows, with the signatures in front.
    assert data.endswith(mime_of(OutboundMessage.objects.get(pk=outbound.pk)))


def test_a_retried_notice_sends_the_message_id_and_bytes_fixed_when_it_was_queued(
    supervisor: Any, smtp_sink: SmtpSink
) -> None:
    outbound = queued_notice(supervisor)
    before = mime_of(outbound)
    assert mime_of(outbound) == before  # rendering is deterministic, not random boundaries or "now"
    smtp_sink.handler.data_reply = "451 4.3.0 Try again later"

    send_pass(stream="bulk")
    outbound.refresh_from_db()
    assert outbound.status == OutboundMessage.Status.DEFERRED and not smtp_sink.messages

    smtp_sink.handler.data_reply = None
    OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=timezone.now())
    send_pass(stream="bulk")
    outbound.refresh_from_db()
    assert outbound.status == OutboundMessage.Status.SENT and outbound.attempts == 2
    assert parsed(smtp_sink.messages[0].data)["Message-ID"] == outbound.message_id
    assert smtp_sink.messages[0].data == before


def test_the_export_shows_the_mail_of_a_notice_still_queued(supervisor: Any) -> None:
    outbound = queued_notice(supervisor)
    contact = Contact.objects.get(email=address(0))

    chunks = privacy.export_contact(contact=contact, actor=supervisor, kind="zip")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))

    raw = archive.read(f"mail/outbound-{outbound.pk}.eml")
    assert raw == mime_of(outbound)
    mail = parsed(raw)
    assert mail["Message-ID"] == outbound.message_id and mail["To"] == address(0)
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/u/" in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_an_erased_notice_is_not_rendered_again_and_keeps_no_unsubscribe_token(
    supervisor: Any, administrator: Any
) -> None:
    outbound = queued_notice(supervisor)
    # The token's first part is the address and purpose in base64: readable without the key.
    payload = unsubscribe.make_token(address(0), "service_notices").partition(":")[0]
    assert payload in outbound.headers["List-Unsubscribe"]

    privacy.erase_contact(contact=Contact.objects.get(email=address(0)), actor=administrator, reason="asked")

    outbound.refresh_from_db()
    assert not outbound.renders_when_sent and mime_of(outbound) == b""
    assert outbound.headers == {} and payload not in outbound.body_text


def test_a_notice_that_waited_for_the_ab_test_leaves_with_the_winning_subject(
    supervisor: Any, smtp_sink: SmtpSink
) -> None:
    notice = approved_notice(supervisor, 12, ab_share=0.5, ab_wait_hours=1)
    services.queue_recipients(notice_id=notice.pk)
    send_pass(stream="bulk")
    smtp_sink.handler.reset()
    for recipient in Recipient.objects.filter(notice=notice, variant=2).select_related("outbound"):
        assert recipient.outbound is not None
        Message.objects.create(  # customers who got variant 2 answer on their notice's ticket
            ticket_id=recipient.outbound.ticket_id,
            direction=Message.Direction.INBOUND,
            from_address=recipient.address,
            body_text="Tack!",
        )
    notice.refresh_from_db()
    assert notice.approved_at is not None
    assert services.decide_tests(now=notice.approved_at + dt.timedelta(hours=2)) == 1

    rest = list(Recipient.objects.filter(notice=notice, variant__isnull=True).select_related("outbound"))
    assert rest and all(r.outbound is not None and not r.outbound.raw_message for r in rest)
    send_pass(stream="bulk")
    sent = {parsed(mail.data)["To"]: parsed(mail.data)["Subject"] for mail in smtp_sink.messages}
    for recipient in rest:
        assert recipient.outbound is not None
        assert sent[recipient.address] == recipient.outbound.subject
        assert sent[recipient.address].startswith(recipient.subjects[2])
