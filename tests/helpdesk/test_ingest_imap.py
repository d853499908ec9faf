"""Ingest against a real Dovecot: new mail, threading both ways, duplicates, UIDVALIDITY, health."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from helpdesk.ingest.services import poll_mailbox, poll_mailboxes
from helpdesk.mail.message_ids import make_message_id
from helpdesk.models import AuditEvent, InboundEmail, Mailbox, Message, Ticket
from tests.factories import MessageFactory, TicketFactory
from tests.helpdesk.ingest_support import add_imap_mailbox, inbound_messages, make_mail, new_id
from tests.services import Dovecot

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox(dovecot: Dovecot, imap_account: tuple[str, str]) -> Mailbox:
    return add_imap_mailbox(dovecot, *imap_account, name="support")


def append(dovecot: Dovecot, mailbox: Mailbox, raw: bytes, folder: str = "INBOX") -> None:
    dovecot.append(mailbox.username, mailbox.password, raw, folder=folder)


def seen_flags(dovecot: Dovecot, mailbox: Mailbox) -> list[bool]:
    client = dovecot.connect(mailbox.username, mailbox.password)
    try:
        client.select("INBOX")
        status, data = client.fetch("1:*", "(FLAGS)")
        return [b"\\Seen" in line for line in data if isinstance(line, bytes)]
    finally:
        client.logout()


def test_new_mail_becomes_a_ticket_and_is_marked_read(dovecot: Dovecot, mailbox: Mailbox) -> None:
    raw = make_mail(sender="Karin Kund <Karin@Kund.example>", cc="Olle <olle@kund.example>")
    append(dovecot, mailbox, raw)

    result = poll_mailbox(mailbox)

    assert result.ok, result.error
    assert result.stored == 1
    [message] = inbound_messages()
    assert message.ticket.subject == "Var är min order 100231?"
    assert message.ticket.status == Ticket.Status.NEW
    assert message.contact is not None and message.contact.email == "karin@kund.example"
    assert message.ticket.contact == message.contact
    assert message.cc_addresses == ["olle@kund.example"]
    assert "När kommer min leverans?" in message.body_text
    stored = InboundEmail.objects.get()
    assert bytes(stored.raw) == raw
    assert stored.status == InboundEmail.Status.PROCESSED
    assert stored.server_done
    assert message.inbound_email == stored
    assert seen_flags(dovecot, mailbox) == [True]
    mailbox.refresh_from_db()
    assert mailbox.health == Mailbox.Health.OK
    assert mailbox.last_uid == 1


def test_polling_again_fetches_nothing_new(dovecot: Dovecot, mailbox: Mailbox) -> None:
    append(dovecot, mailbox, make_mail())
    poll_mailbox(mailbox)
    again = poll_mailbox(mailbox)
    assert again.ok and again.stored == 0
    assert Message.objects.count() == 1


def test_reply_to_our_outbound_message_threads_onto_the_ticket(dovecot: Dovecot, mailbox: Mailbox) -> None:
    ticket = TicketFactory.create(subject="Leveransfråga")
    ours = make_message_id(ticket_id=ticket.pk)
    MessageFactory.create(ticket=ticket, direction=Message.Direction.OUTBOUND, message_id=ours)
    append(dovecot, mailbox, make_mail(subject="Re: Leveransfråga", in_reply_to=ours, references=[ours]))

    poll_mailbox(mailbox)

    [reply] = inbound_messages()
    assert reply.ticket == ticket


def test_reply_to_a_signed_message_id_threads_even_when_that_message_is_not_stored(
    dovecot: Dovecot, mailbox: Mailbox
) -> None:
    ticket = TicketFactory.create()
    append(dovecot, mailbox, make_mail(in_reply_to=make_message_id(ticket_id=ticket.pk)))
    poll_mailbox(mailbox)
    assert inbound_messages()[0].ticket == ticket


def test_customer_follow_up_to_their_own_mail_threads(dovecot: Dovecot, mailbox: Mailbox) -> None:
    first = new_id()
    append(dovecot, mailbox, make_mail(message_id=first))
    poll_mailbox(mailbox)
    append(
        dovecot, mailbox, make_mail(subject="Re: Var är min order?", in_reply_to=first, references=[first])
    )
    poll_mailbox(mailbox)
    original, follow_up = inbound_messages()
    assert follow_up.ticket == original.ticket
    assert Ticket.objects.count() == 1


def test_subject_tag_threads_mail_from_a_participant_only(dovecot: Dovecot, mailbox: Mailbox) -> None:
    ticket = TicketFactory.create(contact__email="karin@kund.example")
    append(dovecot, mailbox, make_mail(subject=f"Re: din fråga {ticket.reference}"))
    append(dovecot, mailbox, make_mail(sender="mallory@elak.example", subject=f"Fwd {ticket.reference}"))
    poll_mailbox(mailbox)
    from_karin, from_stranger = inbound_messages()
    assert from_karin.ticket == ticket
    assert from_stranger.ticket != ticket


def test_same_mail_appended_twice_is_one_ticket_message(dovecot: Dovecot, mailbox: Mailbox) -> None:
    raw = make_mail()
    append(dovecot, mailbox, raw)
    append(dovecot, mailbox, raw)
    poll_mailbox(mailbox)
    assert len(inbound_messages()) == 1
    statuses = sorted(InboundEmail.objects.values_list("status", flat=True))
    assert statuses == [InboundEmail.Status.DUPLICATE, InboundEmail.Status.PROCESSED]
    assert seen_flags(dovecot, mailbox) == [True, True]


def test_same_message_id_in_two_mailboxes_is_one_ticket_message(dovecot: Dovecot, mailbox: Mailbox) -> None:
    other = add_imap_mailbox(dovecot, *dovecot.add_user(), name="sales")
    # One mail to both addresses: each mailbox's copy differs only in how it was delivered.
    raw = make_mail(message_id=new_id(), to="support@example.test, sales@example.test")
    append(dovecot, mailbox, b"Delivered-To: support@example.test\r\n" + raw)
    append(dovecot, other, b"Delivered-To: sales@example.test\r\n" + raw)
    results = poll_mailboxes()
    assert all(result.ok for result in results)
    assert len(inbound_messages()) == 1
    duplicate = InboundEmail.objects.get(status=InboundEmail.Status.DUPLICATE)
    assert duplicate.duplicate_of is not None
    assert duplicate.duplicate_of.status == InboundEmail.Status.PROCESSED


def test_different_mails_that_reuse_one_message_id_each_reach_a_ticket(
    dovecot: Dovecot, mailbox: Mailbox
) -> None:
    # Some senders (scanners, web forms, a misconfigured mailer) give every mail the same Message-ID:
    # a mail that differs in date, sender or subject is not a copy and must not be dropped as one.
    message_id = "<scan@printer.kund.example>"
    monday = make_mail(
        message_id=message_id, subject="Skannat dokument", date="Mon, 30 Nov 2026 09:00:00 +0100"
    )
    tuesday = make_mail(
        message_id=message_id,
        subject="Skannat dokument",
        date="Tue, 1 Dec 2026 09:00:00 +0100",
        body="Sida 2",
    )
    for raw in (monday, tuesday, monday):
        append(dovecot, mailbox, raw)

    assert poll_mailbox(mailbox).ok

    assert ["Sida 2" in m.body_text for m in inbound_messages()] == [False, True]
    statuses = list(InboundEmail.objects.order_by("uid").values_list("status", flat=True))
    assert statuses == [
        InboundEmail.Status.PROCESSED,
        InboundEmail.Status.PROCESSED,
        InboundEmail.Status.DUPLICATE,
    ]


def test_uidvalidity_change_resyncs_without_duplicating(dovecot: Dovecot, mailbox: Mailbox) -> None:
    first, second = make_mail(), make_mail(subject="En till fråga")
    mailbox.folder = "Support"
    mailbox.save()
    append(dovecot, mailbox, first, folder="Support")
    poll_mailbox(mailbox)
    mailbox.refresh_from_db()
    old_validity = mailbox.uidvalidity

    client = dovecot.connect(mailbox.username, mailbox.password)
    client.delete("Support")
    client.logout()
    append(dovecot, mailbox, first, folder="Support")  # the same mail again, under new UIDs
    append(dovecot, mailbox, second, folder="Support")
    result = poll_mailbox(mailbox)

    assert result.ok, result.error
    mailbox.refresh_from_db()
    assert mailbox.uidvalidity != old_validity
    assert sorted(m.subject for m in inbound_messages()) == ["En till fråga", "Var är min order 100231?"]
    assert AuditEvent.objects.filter(action="mailbox.resynced").count() == 1


def test_processed_folder_receives_the_mail(dovecot: Dovecot, mailbox: Mailbox) -> None:
    mailbox.processed_folder = "Processed"
    mailbox.save()
    append(dovecot, mailbox, make_mail())
    poll_mailbox(mailbox)
    client = dovecot.connect(mailbox.username, mailbox.password)
    try:
        assert client.select("INBOX")[1] == [b"0"]
        assert client.select("Processed")[1] == [b"1"]
    finally:
        client.logout()
    assert len(inbound_messages()) == 1


def _deleted_by_someone_else(dovecot: Dovecot, mailbox: Mailbox) -> None:
    """A colleague's older mail in the shared folder, flagged deleted in their client but not expunged;
    the helpdesk takes only mail that arrives after it was added (its first poll ingests nothing)."""
    dovecot.append(mailbox.username, mailbox.password, make_mail(subject="Kollegans"), flags=r"(\Deleted)")
    mailbox.processed_folder = "Processed"
    mailbox.import_existing = False
    mailbox.save()
    assert poll_mailbox(mailbox).ok and not inbound_messages()


def _folder_counts(dovecot: Dovecot, mailbox: Mailbox) -> tuple[int, int, list[bytes]]:
    client = dovecot.connect(mailbox.username, mailbox.password)
    try:
        inbox = int(client.select("INBOX")[1][0] or 0)
        deleted = (client.uid("SEARCH", "DELETED")[1][0] or b"").split()
        processed = int(client.select("Processed")[1][0] or 0)
    finally:
        client.logout()
    return inbox, processed, deleted


def test_moving_to_the_processed_folder_leaves_other_deleted_mail_alone(
    dovecot: Dovecot, mailbox: Mailbox
) -> None:
    """Dovecot offers MOVE only after login: the move must not fall back to COPY + EXPUNGE."""
    _deleted_by_someone_else(dovecot, mailbox)
    append(dovecot, mailbox, make_mail(subject="Vår"))
    poll_mailbox(mailbox)
    inbox, processed, deleted = _folder_counts(dovecot, mailbox)
    assert (inbox, processed, len(deleted)) == (1, 1, 1)  # the colleague's mail is still there
    assert {m.subject for m in inbound_messages()} == {"Vår"}


@pytest.mark.parametrize(
    "capability, left_flagged",
    [("IMAP4rev1 LITERAL+ IDLE UIDPLUS", 0), ("IMAP4rev1 LITERAL+ IDLE", 1)],
    ids=["uidplus", "neither"],
)
def test_a_server_without_move_copies_and_expunges_only_our_mail(capability: str, left_flagged: int) -> None:
    server = Dovecot.start(capability=capability)
    try:
        login, password = server.add_user()
        mailbox = add_imap_mailbox(server, login, password, name="old-server")
        _deleted_by_someone_else(server, mailbox)
        server.append(login, password, make_mail(subject="Vår"))
        assert poll_mailbox(mailbox).ok
        inbox, processed, deleted = _folder_counts(server, mailbox)
        # Ours is copied; with UIDPLUS only it is expunged, without it stays flagged deleted.
        assert (inbox, processed, len(deleted)) == (1 + left_flagged, 1, 1 + left_flagged)
        assert {m.subject for m in inbound_messages()} == {"Vår"}
    finally:
        server.stop()


def test_wrong_password_marks_one_mailbox_unhealthy_and_the_other_still_ingests(
    dovecot: Dovecot, mailbox: Mailbox
) -> None:
    login, _password = dovecot.add_user()
    broken = add_imap_mailbox(dovecot, login, "wrong-password", name="broken")
    append(dovecot, mailbox, make_mail())

    results = {result.mailbox: result for result in poll_mailboxes()}

    assert results["support"].ok and results["support"].stored == 1
    assert not results["broken"].ok and results["broken"].auth_failed
    broken.refresh_from_db()
    assert broken.health == Mailbox.Health.FAILING
    assert broken.consecutive_failures == 1
    assert "refused the login" in broken.last_error
    assert broken.next_poll_at is not None and broken.last_error_at is not None
    assert broken.next_poll_at > broken.last_error_at
    assert len(inbound_messages()) == 1
    assert AuditEvent.objects.filter(action="mailbox.failing", object_id=str(broken.pk)).exists()


def test_fetch_mail_command_reports_json_and_fails_when_a_mailbox_fails(
    dovecot: Dovecot, mailbox: Mailbox, capsys: Any
) -> None:
    append(dovecot, mailbox, make_mail())
    call_command("fetch_mail", "--json")
    [report] = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["stored"] == 1 and report["processed"] == {"processed": 1}

    add_imap_mailbox(dovecot, dovecot.add_user()[0], "nope", name="broken")
    with pytest.raises(CommandError, match="broken"):
        call_command("fetch_mail")
    assert "broken: FAILED" in capsys.readouterr().out


def test_fetch_mail_rejects_an_unknown_mailbox_name() -> None:
    with pytest.raises(CommandError, match="no mailbox named nowhere"):
        call_command("fetch_mail", "--mailbox", "nowhere")


def test_a_password_that_cannot_be_decrypted_fails_only_its_mailbox(
    dovecot: Dovecot, mailbox: Mailbox
) -> None:
    from django.db import connection

    broken = add_imap_mailbox(dovecot, *dovecot.add_user(), name="rotated-key")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE helpdesk_mailbox SET password = %s WHERE id = %s", ["not-a-fernet-token", broken.pk]
        )
    append(dovecot, mailbox, make_mail())

    results = {result.mailbox: result for result in poll_mailboxes()}

    assert results["support"].ok
    assert not results["rotated-key"].ok and "cannot be decrypted" in results["rotated-key"].error
    assert Mailbox.objects.defer("password").get(pk=broken.pk).health == Mailbox.Health.FAILING


def test_a_processed_folder_the_server_refuses_fails_the_poll_but_new_mail_still_becomes_tickets(
    dovecot: Dovecot, mailbox: Mailbox
) -> None:
    # Dovecot separates folders with "."; "INBOX/Processed" (Exchange's and Gmail's way) is refused.
    mailbox.processed_folder = "INBOX/Processed"
    mailbox.save()
    append(dovecot, mailbox, make_mail(subject="Första"))
    first = poll_mailbox(mailbox)
    assert not first.ok and "INBOX/Processed" in first.error

    append(dovecot, mailbox, make_mail(subject="Andra"))
    second = poll_mailbox(Mailbox.objects.get(pk=mailbox.pk))

    assert not second.ok and "INBOX/Processed" in second.error
    assert sorted(m.subject for m in inbound_messages()) == ["Andra", "Första"]
    assert Mailbox.objects.get(pk=mailbox.pk).health == Mailbox.Health.FAILING
    assert "INBOX/Processed" in Mailbox.objects.get(pk=mailbox.pk).last_error

    Mailbox.objects.filter(pk=mailbox.pk).update(processed_folder="Processed")
    assert poll_mailbox(Mailbox.objects.get(pk=mailbox.pk)).ok
    assert not InboundEmail.objects.filter(server_done=False).exists()
    client = dovecot.connect(mailbox.username, mailbox.password)
    try:
        assert client.select("INBOX")[1] == [b"0"]
        assert client.select("Processed")[1] == [b"2"]
    finally:
        client.logout()
    assert len(inbound_messages()) == 2
