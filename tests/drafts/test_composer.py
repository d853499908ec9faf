"""Replies and forwards an operator writes: started on any ticket, checked, approved and sent through
the same services as the drafter's text; recipients, files and saved replies."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from delivery.models import OutboundMessage
from drafts import composing, services
from drafts.errors import InvalidInput, NotAllowed
from drafts.models import Draft, ReviewPolicy, SavedReply
from drafts.recipients import Recipients
from helpdesk.models import Attachment, AuditEvent, Message, Queue, Ticket
from tests.delivery.helpers import parsed
from tests.drafts.helpers import audit_actions, draft_for
from tests.factories import authenticated

pytestmark = pytest.mark.django_db


def _authenticated(message: Message) -> Message:
    message.sender_auth = authenticated(message.from_address)
    message.save(update_fields=["sender_auth"])
    return message


def _save(draft: Draft, user: Any, **changes: Any) -> Draft:
    values = {"subject": draft.subject, "body": draft.body, **changes}
    return composing.save_composition(
        draft=draft, user=user, expected_version=draft.version, changes=composing.Changes(**values)
    )


def test_a_reply_written_from_scratch_goes_out_like_an_approved_draft(demo_message: Any, agent: Any) -> None:
    message = _authenticated(demo_message("Var är min order 100231?"))
    ticket = message.ticket
    assert not ticket.drafts.exists()
    draft = composing.start_reply(ticket=ticket, user=agent)
    assert (draft.kind, draft.status, draft.body, draft.in_reply_to_id) == ("reply", "edited", "", message.pk)
    draft = _save(draft, agent, body="Hej Karin!\n\nOrder 100231 är på väg.\n\nMvh\nAgnes")
    # Verified against the same ERP facts the drafter would have had, and cited.
    assert [c["state"] for c in draft.claims if c["text"] == "100231" and c["part"] == "body"] == ["verified"]
    assert draft.citations.filter(source_record_type="order", source_key="100231").exists()
    approved = services.approve_draft(draft=draft, user=agent, expected_version=draft.version)
    outbound = approved.outbound
    assert outbound is not None and outbound.status == OutboundMessage.Status.QUEUED
    assert outbound.release_at is not None  # the undo window
    assert outbound.to_addresses == [message.from_address]
    assert outbound.in_reply_to == message.message_id
    assert "Order 100231 är på väg." in outbound.body_text
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.PENDING
    assert audit_actions(approved) == ["draft.composed", "draft.edited", "draft.approved"]
    # The undo is the same too.
    services.undo_approval(draft=approved, user=agent)
    outbound.refresh_from_db()
    assert outbound.status == OutboundMessage.Status.CANCELLED


def test_an_unverified_figure_in_an_operators_text_needs_a_supervisor(demo_message: Any, agent: Any) -> None:
    message = _authenticated(demo_message("Var är min order 100231?"))
    draft = composing.start_reply(ticket=message.ticket, user=agent)
    draft = _save(draft, agent, body="Order 100231 levereras 2031-01-01.")
    assert [c["state"] for c in draft.claims if c["text"] == "2031-01-01"] == ["unverified"]
    with pytest.raises(NotAllowed):
        services.approve_draft(draft=draft, user=agent, expected_version=draft.version)


def test_recipients_are_editable_and_strangers_need_a_supervisor(
    demo_message: Any, agent: Any, supervisor: Any
) -> None:
    message = _authenticated(demo_message("Var är min order 100231?"))
    draft = composing.start_reply(ticket=message.ticket, user=agent)
    colleague = "ekonomi@bergstrom-bygg.se"  # at the customer's domain: their own
    draft = _save(
        draft,
        agent,
        body="Hej! Vi återkommer i morgon.",
        recipients=Recipients(to=[message.from_address], cc=[colleague], bcc=["arkiv@bergstrom-bygg.se"]),
    )
    approved = services.approve_draft(draft=draft, user=agent, expected_version=draft.version, undo_seconds=0)
    assert approved.outbound is not None
    assert (approved.outbound.cc_addresses, approved.outbound.bcc_addresses) == (
        [colleague],
        ["arkiv@bergstrom-bygg.se"],
    )

    follow_up = composing.start_reply(ticket=message.ticket, user=agent)
    follow_up = _save(
        follow_up,
        agent,
        body="Hej! Vi återkommer i morgon.",
        recipients=Recipients(to=[message.from_address], cc=["someone@elsewhere.example"]),
    )
    with pytest.raises(NotAllowed) as refused:
        services.approve_draft(draft=follow_up, user=agent, expected_version=follow_up.version)
    assert any("someone@elsewhere.example" in reason for reason in refused.value.reasons)
    sent = services.approve_draft(draft=follow_up, user=supervisor, expected_version=follow_up.version)
    assert sent.outbound is not None and sent.outbound.cc_addresses == ["someone@elsewhere.example"]


def test_bad_addresses_are_refused_with_their_name(demo_message: Any, agent: Any) -> None:
    from drafts.recipients import parse_recipients

    with pytest.raises(InvalidInput, match="not-an-address"):
        parse_recipients("kund@kund.example, not-an-address", "", "")
    with pytest.raises(InvalidInput, match="To"):
        parse_recipients("", "kund@kund.example", "")
    assert parse_recipients("a@kund.example; b@kund.example a@kund.example", "", "").to == [
        "a@kund.example",
        "b@kund.example",
    ]
    # An address taken from the customer's mail is kept as it came, even one a validator dislikes.
    assert parse_recipients("kund@intranet.local", "", "", known=["kund@intranet.local"]).to == [
        "kund@intranet.local"
    ]


def test_a_follow_up_after_an_approval_is_a_second_reply(
    demo_message: Any, agent: Any, supervisor: Any
) -> None:
    message = _authenticated(demo_message("Var är min order 100231?"))
    first = draft_for(message)
    first = services.approve_draft(
        draft=first, user=supervisor, expected_version=first.version, undo_seconds=0
    )
    follow_up = composing.start_reply(ticket=message.ticket, user=agent)
    assert follow_up.version == 1  # a new reply counts its own versions
    follow_up = _save(follow_up, agent, body="Hej igen! Vi hör av oss när leveransen är bokad.")
    second = services.approve_draft(draft=follow_up, user=agent, expected_version=follow_up.version)
    assert second.outbound is not None and first.outbound is not None
    assert second.outbound.pk != first.outbound.pk
    assert OutboundMessage.objects.filter(ticket=message.ticket).count() == 2


def test_after_a_rejection_the_operator_writes_from_the_draft_text(demo_message: Any, agent: Any) -> None:
    message = _authenticated(demo_message("Var är min order 100231?"))
    draft = draft_for(message)
    rejected = services.reject_draft(
        draft=draft, user=agent, reason="Fel ton", expected_version=draft.version
    )
    mine = composing.start_reply(ticket=message.ticket, user=agent, from_draft=rejected)
    assert mine.body == rejected.body and mine.version == rejected.version + 1
    other = demo_message("Delivery date for order 100245")
    with pytest.raises(NotAllowed):
        composing.start_reply(ticket=other.ticket, user=agent, from_draft=rejected)


def test_approving_a_reply_replaces_the_other_open_replies(demo_message: Any, agent: Any) -> None:
    message = _authenticated(demo_message("Var är min order 100231?"))
    ai = draft_for(message)
    mine = _save(composing.start_reply(ticket=message.ticket, user=agent), agent, body="Hej! Vi kollar.")
    services.approve_draft(draft=mine, user=agent, expected_version=mine.version)
    ai.refresh_from_db()
    assert ai.status == Draft.Status.SUPERSEDED


def test_files_are_checked_named_and_attached(demo_message: Any, agent: Any) -> None:
    message = _authenticated(demo_message("Var är min order 100231?"))
    draft = composing.start_reply(ticket=message.ticket, user=agent)
    program = SimpleUploadedFile("run.exe", b"MZ...", content_type="application/octet-stream")
    with pytest.raises(InvalidInput, match=r"run\.exe.*not allowed"):
        _save(draft, agent, body="Se bilaga.", uploads=[program])
    big = SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * (10 * 1024 * 1024), content_type="application/pdf")
    with pytest.raises(InvalidInput, match=r"big\.pdf is too large.*10\.0 MB"):
        _save(draft, agent, body="Se bilaga.", uploads=[big])
    assert not draft.attachments.exists()
    pdf = SimpleUploadedFile("följesedel.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    draft = _save(draft, agent, body="Se bilaga.", uploads=[pdf])
    (attached,) = draft.attachments.all()
    assert (attached.filename, attached.content_type, attached.size) == (
        "följesedel.pdf",
        "application/pdf",
        13,
    )
    approved = services.approve_draft(draft=draft, user=agent, expected_version=draft.version)
    assert approved.outbound is not None
    mail = parsed(bytes(approved.outbound.raw_message))
    (part,) = list(mail.iter_attachments())
    assert part.get_filename() == "följesedel.pdf" and part.get_content() == b"%PDF-1.4 test"
    # The reply in the conversation lists the file, as customer mail does.
    assert Attachment.objects.filter(
        message=approved.outbound.ticket_message, filename="följesedel.pdf"
    ).exists()


def test_files_of_another_ticket_cannot_be_attached(demo_message: Any, agent: Any) -> None:
    message = _authenticated(demo_message("Var är min order 100231?"))
    other = demo_message("Delivery date for order 100245")
    foreign = Attachment.objects.create(
        message=other, filename="secret.pdf", content_type="application/pdf", size=1, sha256="0" * 64
    )
    draft = composing.start_reply(ticket=message.ticket, user=agent)
    draft = _save(draft, agent, body="Hej!", thread_files=[foreign.pk])
    assert not draft.attachments.exists()


def test_saved_replies_are_offered_per_queue_and_filled_from_the_ticket(
    demo_message: Any, agent: Any
) -> None:
    message = _authenticated(demo_message("Var är min order 100231?"))
    ticket = message.ticket
    other_queue = Queue.objects.create(name="Returns", slug="returns-test")
    everywhere = SavedReply.objects.create(
        name="Öppettider", body="Hej {{ customer_first_name }}! Gäller {{ ticket }}. /{{ agent_name }}"
    )
    SavedReply.objects.create(name="Returer", queue=other_queue, body="Returadress: ...")
    offered = composing.saved_replies_for(ticket)
    assert [reply.name for reply in offered] == ["Öppettider"]
    draft = composing.start_reply(ticket=ticket, user=agent)
    draft = _save(draft, agent, body="Tack för ditt mejl.", saved_reply=everywhere.pk)
    assert draft.body == f"Tack för ditt mejl.\n\nHej Karin! Gäller {ticket.reference}. /agnes"
    # The ticket's own reference is the house's, not a claim; the same number as a figure still is.
    assert not [c for c in draft.claims if c["text"] == str(ticket.pk)]
    figure = _save(draft, agent, body=f"{draft.body}\nVi har {ticket.pk} st i lager.")
    assert [c["start"] for c in figure.claims if c["text"] == str(ticket.pk)] == [
        figure.body.rindex(" st ") - len(str(ticket.pk))
    ]
    returns = SavedReply.objects.get(name="Returer")
    with pytest.raises(InvalidInput):
        _save(figure, agent, saved_reply=returns.pk)


def test_a_forward_quotes_the_thread_and_is_not_an_answer(demo_message: Any, agent: Any) -> None:
    message = _authenticated(demo_message("Var är min order 100231?"))
    ticket = message.ticket
    forward = composing.start_forward(ticket=ticket, user=agent)
    assert forward.kind == "forward" and forward.subject.startswith("Fwd: ")
    assert "Forwarded message" in forward.body and "Vi väntar på order 100231" in forward.body
    carrier = "skador@fraktbolaget.example"
    forward = _save(
        forward,
        agent,
        body=f"Hej! Kan ni kolla sändningen?\n{forward.body}",
        recipients=Recipients(to=[carrier]),
    )
    with pytest.raises(NotAllowed):  # a stranger, until the policy names the carrier's domain
        services.approve_draft(draft=forward, user=agent, expected_version=forward.version)
    ReviewPolicy.objects.create(
        risk_flags_needing_supervisor=ReviewPolicy.default().risk_flags_needing_supervisor,
        intents_needing_supervisor=["other"],
        partner_domains=["fraktbolaget.example"],
    )
    status_before = Ticket.objects.get(pk=ticket.pk).status
    sent = services.approve_draft(draft=forward, user=agent, expected_version=forward.version)
    assert sent.outbound is not None
    assert sent.outbound.to_addresses == [carrier] and sent.outbound.in_reply_to == ""
    assert Ticket.objects.get(pk=ticket.pk).status == status_before  # not an answer to the customer
    assert "draft.approved" in audit_actions(sent)
    assert AuditEvent.objects.filter(action="draft.approved", data__kind="forward").exists()


def test_the_erp_invoice_copy_is_attached_only_for_its_own_customer(demo_message: Any, agent: Any) -> None:
    from integrations import get_connector
    from integrations.models import ErpInvoice

    message = _authenticated(demo_message("Kopia på faktura 55015"))
    draft = composing.start_reply(ticket=message.ticket, user=agent)
    assert "55015" in composing.invoice_numbers(draft)
    draft = _save(draft, agent, body="Hej Karin! Här är kopian.", invoice="55015")
    (copy,) = draft.attachments.all()
    assert (copy.filename, copy.content_type, copy.source) == ("invoice-55015.pdf", "application/pdf", "erp")
    with copy.file.open("rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert get_connector().invoice_document("55015").data[:5] == b"%PDF-"  # type: ignore[attr-defined]

    foreign = ErpInvoice.objects.exclude(
        customer__number=ErpInvoice.objects.get(number="55015").customer.number
    )
    other = foreign.first()
    assert other is not None
    with pytest.raises(NotAllowed):
        _save(draft, agent, invoice=other.number)
    assert draft.attachments.count() == 1
