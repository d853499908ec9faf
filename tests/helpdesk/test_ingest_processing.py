"""Processing of stored mail: contacts, attachments, loop protection, rate limit, feedback, quarantine."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

import pytest

from delivery.models import FeedbackReport
from helpdesk.ingest import dedup, parse_pool, writer
from helpdesk.ingest.batch import BatchResult
from helpdesk.ingest.services import process_stored, reprocess, store_raw_email
from helpdesk.mail.message_ids import make_message_id
from helpdesk.mail.parsing import ParseError
from helpdesk.models import Attachment, AuditEvent, Contact, InboundEmail, Mailbox, Message, Ticket
from tests.factories import CompanyFactory, TicketFactory
from tests.helpdesk.ingest_support import CORPORA, inbound_messages, make_mail

pytestmark = pytest.mark.django_db


def ingest(*raws: bytes) -> BatchResult:
    rows = [store_raw_email(raw=raw) for raw in raws]
    result = process_stored()
    for row in rows:
        row.refresh_from_db()
    return result


def test_contact_is_matched_case_insensitively_and_gets_the_company_of_its_domain() -> None:
    company = CompanyFactory.create(domain="kund.example")
    ingest(make_mail(sender="Karin Kund <KARIN@kund.example>"))
    ingest(make_mail(sender="karin@Kund.Example"))
    contact = Contact.objects.get()
    assert contact.email == "karin@kund.example"
    assert contact.name == "Karin Kund"
    assert contact.company == company
    assert set(Ticket.objects.values_list("company", flat=True)) == {company.pk}


def test_a_company_domain_written_with_capitals_still_matches_its_senders() -> None:
    company = CompanyFactory.create(domain="Kund.Example")
    ingest(make_mail(sender="Karin Kund <karin@kund.example>"))
    assert Contact.objects.get().company == company
    assert Ticket.objects.get().company == company


def test_rows_keyed_by_the_message_id_alone_still_catch_their_copies_and_only_those() -> None:
    message_id = "<gammal@kund.example>"
    first = make_mail(message_id=message_id, subject="Gammal", date="Mon, 30 Nov 2026 09:00:00 +0100")
    ingest(first)
    original = InboundEmail.objects.get()
    # As rows were keyed before the sender, subject and date became part of the key.
    InboundEmail.objects.filter(pk=original.pk).update(dedup_key=dedup.message_id_key(message_id))

    ingest(first, make_mail(message_id=message_id, subject="Ny", date="Tue, 1 Dec 2026 09:00:00 +0100"))

    copy, other = InboundEmail.objects.exclude(pk=original.pk).order_by("pk")
    assert copy.status == InboundEmail.Status.DUPLICATE and copy.duplicate_of_id == original.pk
    assert other.status == InboundEmail.Status.PROCESSED
    assert sorted(m.subject for m in inbound_messages()) == ["Gammal", "Ny"]


def _mail_with_inline_image() -> bytes:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "karin@kund.example", "support@example.test", "Bild"
    mail["Message-ID"] = "<inline-image@kund.example>"
    mail.set_content("Se bilden.")
    mail.add_alternative('<p>Se bilden: <img src="cid:skada@kund.example"></p>', subtype="html")
    html = mail.get_body(preferencelist=("html",))
    assert isinstance(html, EmailMessage)
    html.add_related(PNG, maintype="image", subtype="png", cid="<skada@kund.example>", filename="skada.png")
    mail.add_attachment(b"%PDF-1.4 faktura", maintype="application", subtype="pdf", filename="faktura.pdf")
    return mail.as_bytes(policy=SMTP)


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 16


def test_attachments_are_stored_by_content_and_inline_images_marked() -> None:
    ingest(_mail_with_inline_image())
    [message] = inbound_messages()
    attachments = {attachment.filename: attachment for attachment in message.attachments.all()}
    assert set(attachments) == {"skada.png", "faktura.pdf"}
    image, pdf = attachments["skada.png"], attachments["faktura.pdf"]
    assert image.inline and image.content_id == "skada@kund.example"
    assert not pdf.inline and pdf.content_type == "application/pdf"
    assert pdf.file.read() == b"%PDF-1.4 faktura"
    assert str(pdf.file.name).endswith(pdf.sha256) and pdf.size == len(b"%PDF-1.4 faktura")
    assert "cid:skada@kund.example" in message.body_html


def test_the_same_attachment_twice_is_stored_once() -> None:
    pdf = ("order.pdf", "application/pdf", b"%PDF-1.4 order 100231")
    ingest(make_mail(attachments=[pdf]), make_mail(subject="Igen", attachments=[pdf]))
    first, second = Attachment.objects.order_by("pk")
    assert first.file.name == second.file.name and first.file.name


def test_human_mail_may_be_answered_and_loop_mail_may_not() -> None:
    our_address = Mailbox.objects.create(name="s", host="localhost", username="support@nordlager.example")
    result = ingest(
        make_mail(subject="Människa"),
        make_mail(subject="Frånvaro", headers={"Auto-Submitted": "auto-replied"}),
        make_mail(subject="Nyhetsbrev", headers={"List-Id": "<news.kund.example>", "Precedence": "bulk"}),
        make_mail(subject="Från oss", sender=our_address.username),
        make_mail(subject="Vårt id", message_id=make_message_id(ticket_id=999)),
    )
    reasons = dict(Message.objects.values_list("subject", "no_auto_response_reason"))
    assert reasons == {
        "Människa": "",
        "Frånvaro": "auto_reply",
        "Nyhetsbrev": "bulk",
        "Från oss": "own_mail",
        "Vårt id": "own_mail",
    }
    assert Message.objects.get(subject="Frånvaro").is_auto_reply
    assert result.draftable == [Message.objects.get(subject="Människa").pk]


def test_a_flood_from_one_sender_collects_on_one_ticket_with_a_note(settings: Any) -> None:
    settings.HELPDESK_SENDER_RATE_LIMIT = 3
    result = ingest(*(make_mail(subject=f"Spam {n}") for n in range(8)))
    assert Ticket.objects.count() == 3
    flood = Ticket.objects.order_by("-pk").first()
    assert flood is not None
    assert flood.messages.filter(direction=Message.Direction.INBOUND).count() == 6
    notes = flood.messages.filter(direction=Message.Direction.NOTE)
    assert notes.count() == 1 and "karin@kund.example" in notes.get().body_text
    limited = Message.objects.filter(
        no_auto_response_reason="rate_limited", direction=Message.Direction.INBOUND
    )
    assert limited.count() == 5
    assert len(result.draftable) == 3
    assert AuditEvent.objects.filter(action="ingest.rate_limited").count() == 1
    # A later batch within the hour adds to the same ticket without a second note.
    ingest(make_mail(subject="Spam 9"))
    assert Ticket.objects.count() == 3
    assert flood.messages.filter(direction=Message.Direction.NOTE).count() == 1


def test_replies_are_never_rate_limited(settings: Any) -> None:
    settings.HELPDESK_SENDER_RATE_LIMIT = 1
    ticket = TicketFactory.create(contact__email="karin@kund.example")
    ours = make_message_id(ticket_id=ticket.pk)
    result = ingest(*(make_mail(in_reply_to=ours) for _ in range(3)))
    assert len(result.draftable) == 3
    assert not Message.objects.filter(no_auto_response_reason="rate_limited").exists()


def test_bounces_and_reports_become_feedback_reports() -> None:
    bounce = next((CORPORA / "bounces" / "sisimai").glob("*.eml")).read_bytes()
    ingest(bounce)
    report = FeedbackReport.objects.get()
    row = InboundEmail.objects.get()
    assert row.status == InboundEmail.Status.FEEDBACK
    assert report.inbound_email == row and report.kind == row.kind
    assert report.recipients and "address" in report.recipients[0]
    assert not Message.objects.exists()
    assert AuditEvent.objects.filter(action=f"feedback.{report.kind}").exists()


def test_unparseable_mail_is_quarantined_then_reprocessed_after_a_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_parse = parse_pool.parse_email

    def broken(raw: bytes) -> Any:
        raise ParseError("simulated parser bug")

    monkeypatch.setattr(parse_pool, "parse_email", broken)
    ingest(make_mail(subject="Trasig"), make_mail(subject="Också trasig"))
    quarantined = InboundEmail.objects.filter(status=InboundEmail.Status.QUARANTINED)
    assert quarantined.count() == 2
    assert all("simulated parser bug" in row.error for row in quarantined)
    assert not Message.objects.exists()
    assert AuditEvent.objects.filter(action="ingest.quarantined").count() == 2

    monkeypatch.setattr(parse_pool, "parse_email", real_parse)
    result = reprocess(ids=quarantined.values_list("pk", flat=True))

    assert result.counts == {InboundEmail.Status.PROCESSED: 2}
    assert sorted(m.subject for m in inbound_messages()) == ["Också trasig", "Trasig"]


def test_a_crash_while_writing_one_mail_quarantines_it_and_keeps_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_message = writer.BatchWriter._message

    def exploding(self: Any, row: InboundEmail, parsed: Any, contact: Any, reason: str) -> Message:
        if parsed.subject == "Bomb":
            raise RuntimeError("boom while writing")
        return real_message(self, row, parsed, contact, reason)

    monkeypatch.setattr(writer.BatchWriter, "_message", exploding)
    ingest(make_mail(subject="Före"), make_mail(subject="Bomb"), make_mail(subject="Efter"))
    assert sorted(m.subject for m in inbound_messages()) == ["Efter", "Före"]
    bomb = InboundEmail.objects.get(status=InboundEmail.Status.QUARANTINED)
    assert "RuntimeError: boom while writing" in bomb.error


def test_mail_over_the_size_limit_is_kept_raw_and_parsed_only_on_request(settings: Any) -> None:
    settings.HELPDESK_MAX_MESSAGE_BYTES = 64 * 1024
    raw = make_mail(subject="Stor", attachments=[("big.bin", "application/octet-stream", b"x" * 100_000)])
    ingest(raw)
    row = InboundEmail.objects.get()
    assert row.status == InboundEmail.Status.OVERSIZED
    assert "HELPDESK_MAX_MESSAGE_BYTES" in row.error and bytes(row.raw) == raw
    assert not Message.objects.exists()
    reprocess(ids=[row.pk])
    assert inbound_messages()[0].subject == "Stor"


def test_text_the_database_refuses_is_cleaned_not_lost() -> None:
    ingest(make_mail(subject="Nul", body="före\x00efter"))
    assert "före\ufffdefter" in inbound_messages()[0].body_text


def test_drafting_starts_for_human_mail_only_after_the_commit(
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django_q.models import OrmQ

    from drafts.models import Draft
    from helpdesk import tasks

    with django_capture_on_commit_callbacks(execute=True):
        ingest(
            make_mail(subject="Människa"),
            make_mail(subject="Frånvaro", headers={"Auto-Submitted": "auto-replied"}),
            make_mail(subject="Nyhetsbrev", headers={"List-Id": "<news.kund.example>"}),
        )
        assert not OrmQ.objects.exists()  # nothing is enqueued before the commit
    [queued] = OrmQ.objects.all()
    task = queued.task
    assert task["func"] == "helpdesk.tasks.start_drafting"

    with django_capture_on_commit_callbacks(execute=True):
        tasks.start_drafting(*task["args"])

    [draft] = Draft.objects.all()
    assert draft.in_reply_to == Message.objects.get(subject="Människa")
