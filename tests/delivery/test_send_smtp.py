"""Sending through a real SMTP relay (aiosmtpd with STARTTLS, AUTH and a throw-away CA)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from delivery import dkim, verp
from delivery.models import DeliveryAttempt, OutboundMessage, Suppression
from delivery.queue import send_pass
from helpdesk.models import AuditEvent, Ticket
from tests.conftest import RELAY_PASSWORD, RELAY_USER
from tests.delivery.helpers import parsed, queue
from tests.services import SmtpSink

pytestmark = pytest.mark.django_db
Status = OutboundMessage.Status


def test_a_reply_arrives_once_threaded_signed_twice_over_verified_tls(
    relay: SmtpSink, dkim_keys: dict[str, str]
) -> None:
    outbound = queue()
    question = outbound.ticket_message
    assert question is not None

    result = send_pass()

    assert result.counts["sent"] == 1
    assert len(relay.messages) == 1
    received = relay.messages[0]
    assert received.tls and received.authenticated
    assert received.rcpt_tos == ["kund@kund.example"]
    mail = parsed(received.data)
    assert mail["Message-ID"] == outbound.message_id
    assert mail["In-Reply-To"] == outbound.in_reply_to
    assert mail["References"].split()[-1] == outbound.in_reply_to
    assert f"[#{outbound.ticket_id}]" in mail["Subject"]
    assert mail["Auto-Submitted"] is None  # a person wrote and approved it
    assert {part.get_content_type() for part in mail.walk()} >= {"text/plain", "text/html"}
    verdicts = dkim.verify_all(received.data, dkim_keys)
    assert sorted((v.algorithm, v.valid) for v in verdicts) == [
        ("ed25519-sha256", True),
        ("rsa-sha256", True),
    ]
    outbound.refresh_from_db()
    assert outbound.status == Status.SENT and outbound.sent_at is not None
    attempt = outbound.delivery_attempts.get()
    assert (attempt.outcome, attempt.smtp_code, attempt.transport) == ("sent", 250, "default")
    assert Ticket.objects.get(pk=outbound.ticket_id).first_response_at == outbound.sent_at
    assert AuditEvent.objects.filter(action="outbound.sent", object_id=str(outbound.pk)).count() == 1
    assert send_pass().handled == 0  # a second pass right after sends nothing
    assert len(relay.messages) == 1


def test_a_signature_breaks_when_a_signed_header_is_changed(
    relay: SmtpSink, dkim_keys: dict[str, str]
) -> None:
    queue()
    send_pass()
    tampered = relay.messages[0].data.replace(b"To: kund@kund.example", b"To: fraud@kund.example")
    assert tampered != relay.messages[0].data
    assert [v.valid for v in dkim.verify_all(tampered, dkim_keys)] == [False, False]


def test_the_envelope_sender_is_a_signed_verp_address(relay: SmtpSink, settings: Any) -> None:
    settings.DELIVERY_BOUNCE_ADDRESS = "bounces@nordlager.example"
    outbound = queue()
    send_pass()
    mail_from = relay.messages[0].mail_from
    assert mail_from.startswith("bounces+") and mail_from.endswith("@nordlager.example")
    assert verp.outbound_id_from_address(mail_from) == outbound.pk
    assert verp.outbound_id_from_address(mail_from.replace("bounces+m", "bounces+n")) is None


def test_a_held_reply_waits_for_its_release_time(relay: SmtpSink) -> None:
    outbound = queue(hold_seconds=600)
    assert send_pass().handled == 0
    OutboundMessage.objects.filter(pk=outbound.pk).update(release_at=timezone.now() - dt.timedelta(seconds=1))
    assert send_pass().counts["sent"] == 1
    assert len(relay.messages) == 1


def test_a_wrong_password_defers_with_the_servers_words(relay: SmtpSink, settings: Any) -> None:
    settings.EMAIL_HOST_PASSWORD = "wrong"
    outbound = queue()
    send_pass()
    outbound.refresh_from_db()
    assert outbound.status == Status.DEFERRED and "refused our login" in outbound.last_error
    assert relay.messages == []


def test_a_certificate_for_another_host_is_refused(settings: Any) -> None:
    with tempfile.TemporaryDirectory() as directory:
        impostor, ca_file = SmtpSink.start_secure(
            Path(directory), user=RELAY_USER, password=RELAY_PASSWORD, hosts=("mail.other.example",)
        )
        try:
            settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
            settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = (
                impostor.host,
                impostor.port,
                True,
            )
            settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = RELAY_USER, RELAY_PASSWORD
            settings.DELIVERY_SMTP_CA_FILE = ca_file
            outbound = queue()
            send_pass()
            outbound.refresh_from_db()
            assert outbound.status == Status.DEFERRED
            assert "certificate is not trusted for 127.0.0.1" in outbound.last_error
            assert impostor.messages == []
        finally:
            impostor.stop()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_implicit_tls_works_as_well(settings: Any) -> None:
    with tempfile.TemporaryDirectory() as directory:
        server, ca_file = SmtpSink.start_secure(
            Path(directory), user=RELAY_USER, password=RELAY_PASSWORD, implicit=True
        )
        try:
            settings.DELIVERY_TRANSPORTS = {
                "relay": f"smtps://{RELAY_USER}:{RELAY_PASSWORD}@127.0.0.1:{server.port}?ca_file={ca_file}"
            }
            settings.DELIVERY_ROUTES = "transactional=relay"
            queue()
            assert send_pass().counts["sent"] == 1
            assert server.messages[0].tls and server.messages[0].authenticated
        finally:
            server.stop()


def test_a_temporary_refusal_is_retried_after_a_backoff_and_delivered_once(relay: SmtpSink) -> None:
    relay.fail_recipient("kund@kund.example", "451 4.3.0 Try again later")
    outbound = queue()
    send_pass()
    outbound.refresh_from_db()
    assert outbound.status == Status.DEFERRED
    assert outbound.next_attempt_at is not None and outbound.next_attempt_at > timezone.now()
    assert send_pass().handled == 0  # not due yet
    relay.handler.rcpt_replies.clear()
    OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=timezone.now())
    send_pass()
    outbound.refresh_from_db()
    assert outbound.status == Status.SENT and outbound.attempts == 2
    assert list(outbound.delivery_attempts.values_list("outcome", flat=True)) == ["deferred", "sent"]
    assert len(relay.messages) == 1


def test_a_message_deferred_past_its_maximum_age_fails(relay: SmtpSink, settings: Any) -> None:
    relay.fail_recipient("kund@kund.example", "421 4.4.5 Busy")
    outbound = queue()
    OutboundMessage.objects.filter(pk=outbound.pk).update(created_at=timezone.now() - dt.timedelta(days=4))
    send_pass()
    outbound.refresh_from_db()
    assert outbound.status == Status.FAILED and "421" in outbound.last_error


def test_an_unknown_user_fails_at_once_suppresses_the_address_and_reopens_the_ticket(relay: SmtpSink) -> None:
    relay.fail_recipient("kund@kund.example", "550 5.1.1 <kund@kund.example>: Recipient address rejected")
    outbound = queue()
    Ticket.objects.filter(pk=outbound.ticket_id).update(status=Ticket.Status.PENDING)
    send_pass()
    outbound.refresh_from_db()
    assert outbound.status == Status.FAILED and outbound.needs_attention
    assert "5.1.1" in outbound.last_error
    entry = Suppression.objects.active().get(address="kund@kund.example")
    assert (entry.reason, entry.source, entry.scope) == ("hard_bounce", "send", "")
    assert Ticket.objects.get(pk=outbound.ticket_id).status == Ticket.Status.OPEN
    later = queue(key="reply:2")
    send_pass()
    later.refresh_from_db()
    assert later.status == Status.SUPPRESSED and "Hard bounce" in later.last_error
    assert later.delivery_attempts.get().outcome == DeliveryAttempt.Outcome.SUPPRESSED
    assert relay.messages == []


def test_a_full_mailbox_fails_without_suppressing(relay: SmtpSink) -> None:
    relay.fail_recipient("kund@kund.example", "552 5.2.2 Mailbox full")
    outbound = queue()
    send_pass()
    outbound.refresh_from_db()
    assert outbound.status == Status.FAILED
    assert not Suppression.objects.exists()


def test_a_refused_cc_is_recorded_while_the_customer_gets_the_reply(relay: SmtpSink) -> None:
    relay.fail_recipient("gone@kund.example", "550 5.1.1 no such user")
    outbound = queue(cc=["gone@kund.example"])
    send_pass()
    outbound.refresh_from_db()
    assert outbound.status == Status.SENT
    assert "gone@kund.example" in outbound.last_error
    assert relay.messages[0].rcpt_tos == ["kund@kund.example"]
    assert Suppression.objects.active().filter(address="gone@kund.example").exists()


def test_a_connection_dropped_after_the_data_makes_the_reply_uncertain_and_it_is_not_resent(
    relay: SmtpSink,
) -> None:
    relay.handler.drop_connection = True
    outbound = queue()
    result = send_pass()
    outbound.refresh_from_db()
    assert result.counts["uncertain"] == 1
    assert outbound.status == Status.UNCERTAIN and outbound.needs_attention
    relay.handler.drop_connection = False
    assert send_pass().handled == 0
    assert outbound.delivery_attempts.get().outcome == DeliveryAttempt.Outcome.UNCERTAIN


def test_the_gate_drops_a_suppressed_cc_and_keeps_it_out_of_the_headers(relay: SmtpSink) -> None:
    Suppression.objects.create(address="nej@kund.example", reason="unsubscribe", scope="")
    outbound = queue(cc=["nej@kund.example", "ja@kund.example"])
    send_pass()
    mail = parsed(relay.messages[0].data)
    assert relay.messages[0].rcpt_tos == ["kund@kund.example", "ja@kund.example"]
    assert "nej@" not in str(mail["Cc"])
    outbound.refresh_from_db()
    assert outbound.status == Status.SENT


def test_a_bulk_only_suppression_never_blocks_a_reply(relay: SmtpSink) -> None:
    Suppression.objects.create(address="kund@kund.example", reason="unsubscribe", scope="bulk")
    queue()
    assert send_pass().counts["sent"] == 1


def test_send_queued_prints_a_summary_and_json(relay: SmtpSink, capsys: Any) -> None:
    queue()
    call_command("send_queued")
    assert "1 sent" in capsys.readouterr().out
    call_command("send_queued", "--json")
    assert '"sent": 0' in capsys.readouterr().out


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's commit setting")
def test_only_the_sending_loop_commits_without_waiting_for_the_disk(smtp_sink: SmtpSink) -> None:
    for number in range(3):
        queue(to=f"kund{number}@kund.example", key=f"durable:{number}")
    statements: list[str] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        assert send_pass().counts["sent"] == 3
    sets = [sql for sql in statements if "synchronous_commit" in sql]
    # Off once for the loop, on again for the claim's own transaction, back to the default at the end.
    assert sets[0] == "SET synchronous_commit TO OFF" and sets[-1] == "RESET synchronous_commit"
    claim = next(i for i, sql in enumerate(statements) if "FOR UPDATE SKIP LOCKED" in sql)
    assert statements[claim - 1] == "SET LOCAL synchronous_commit TO ON"
    with connection.cursor() as cursor:  # the connection serves other tasks as it was
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"


@pytest.mark.parametrize("after_the_record", [False, True])
def test_an_unexpected_error_in_the_transport_lands_on_the_attempt_on_record(
    relay: SmtpSink, monkeypatch: pytest.MonkeyPatch, after_the_record: bool
) -> None:
    """The attempt's record goes to the database before the SMTP exchange: an error nobody expected,
    before the final dot or after it, is that attempt's outcome (not a second attempt with its number),
    and the next message of the pass still goes out."""
    from delivery.transports import smtp

    calls: list[str] = []

    def broken(self: Any, connection: Any, prepared: Any, *hooks: Any) -> Any:
        calls.append(prepared.recipients[0])
        if not after_the_record and len(calls) == 1:
            raise ValueError("broken before the envelope")
        return original(self, connection, prepared, *hooks)

    original = smtp.SmtpTransport._envelope
    monkeypatch.setattr(smtp.SmtpTransport, "_envelope", broken)
    if after_the_record:
        sent = smtp.SmtpTransport.send

        def send(self: Any, prepared: Any, *, committing: Any, **hooks: Any) -> Any:
            if len(calls) == 0:

                def then_fail() -> None:
                    committing()
                    raise ValueError("broken after the record")

                return sent(self, prepared, committing=then_fail, **hooks)
            return sent(self, prepared, committing=committing, **hooks)

        monkeypatch.setattr(smtp.SmtpTransport, "send", send)
    first, second = queue(to="ett@kund.example", key="u:1"), queue(to="tva@kund.example", key="u:2")
    result = send_pass()
    first.refresh_from_db()
    second.refresh_from_db()
    expected = Status.UNCERTAIN if after_the_record else Status.DEFERRED
    assert first.status == expected and "unexpected error" in first.last_error
    assert list(first.delivery_attempts.values_list("number", "outcome", "stage")) == [
        (1, str(expected), DeliveryAttempt.Stage.DONE)
    ]
    assert second.status == Status.SENT and result.counts["sent"] == 1
    assert [parsed(m.data)["Message-ID"] for m in relay.messages] == [second.message_id]
