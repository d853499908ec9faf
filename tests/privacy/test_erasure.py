"""GDPR erasure (issue 14): after erasure a dump of the whole database holds none of the person's
addresses, names or words; the other person's data, the counts and the audit events stay."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from delivery.gate import Gate
from delivery.models import DeliveryEvent, OutboundMessage, Suppression
from helpdesk.models import Attachment, AuditEvent, Contact, InboundEmail, Message, Ticket
from privacy import services
from tests.privacy import scenario
from tests.services import SmtpSink

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people(relay: SmtpSink, supervisor: Any, settings: Any, tmp_path: Path) -> scenario.People:
    settings.MEDIA_ROOT = tmp_path
    scenario.install_drafting_defaults()
    return scenario.build(approver=supervisor)


def database_dump() -> bytes:
    """``pg_dump`` of the test database: every table, every column, as the operator's backup sees it."""
    db = connection.settings_dict
    command = ["pg_dump", "--data-only", "-h", db.get("HOST") or "127.0.0.1"]
    command += ["-p", str(db.get("PORT") or 5432), "-U", db.get("USER") or "postgres", db["NAME"]]
    return subprocess.run(command, capture_output=True, check=True, timeout=120).stdout.lower()


def traces(dump: bytes, text: str) -> list[str]:
    """Where ``text`` is in the dump: as text, or inside a bytea column (hex)."""
    found = []
    needle = text.lower().encode()
    if needle in dump:
        found.append("text")
    if needle.hex().encode() in dump or text.encode().hex().encode() in dump:
        found.append("bytea")
    return found


def test_the_scenario_puts_the_person_everywhere_before_erasure(people: scenario.People) -> None:
    """The check below is not vacuous: before erasure the dump holds every needle, in text and raw mail."""
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump needs PostgreSQL")
    dump = database_dump()
    assert traces(dump, scenario.ADDRESS) == ["text", "bytea"]
    assert "text" in traces(dump, scenario.NAME)
    for word in scenario.BODY_WORDS[:1]:
        assert traces(dump, word) == ["text", "bytea"]
    assert Suppression.objects.filter(address=scenario.ADDRESS, reason="hard_bounce").exists()


def test_erasure_leaves_no_personal_data_in_a_database_dump(
    people: scenario.People, administrator: Any, admin_client: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump needs PostgreSQL")
    # An admin once saved the contact: Django's admin log names it.
    change = {"email": scenario.ADDRESS, "name": scenario.NAME, "language": "sv", "company": ""}
    change |= {"created_at_0": "2026-01-02", "created_at_1": "10:00:00"}
    url = f"/admin/helpdesk/contact/{people.contact.pk}/change/"
    for inline in admin_client.get(url).context["inline_admin_formsets"]:  # the consent history
        formset = inline.formset
        change |= {f"{formset.prefix}-{key}": value for key, value in formset.management_form.initial.items()}
        change |= {
            f"{formset.prefix}-{n}-id": form.instance.pk for n, form in enumerate(formset.initial_forms)
        }
    saved = admin_client.post(url, change)
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    assert "text" in traces(database_dump(), f"{scenario.NAME} <{scenario.ADDRESS}>")
    audit_before = AuditEvent.objects.count()
    messages_before = Message.objects.count()
    files = [Path(a.file.path) for a in Attachment.objects.filter(message=people.question)]
    assert files and all(path.exists() for path in files)

    erasure = services.erase_contact(
        contact=people.contact, actor=administrator, reason=f"Request from {scenario.NAME}, case 17"
    )

    dump = database_dump()
    for needle in (scenario.ADDRESS, scenario.NAME, *scenario.BODY_WORDS, "astrid", "lindqvist"):
        assert traces(dump, needle) == [], [needle, *_where(dump, needle)]
    assert scenario.ATTACHMENT.hex().encode() not in dump
    assert not any(path.exists() for path in files)
    # The other person keeps their words and their address; only the mention of Astrid went.
    assert traces(dump, scenario.OTHER_WORD) and traces(dump, scenario.OTHER_ADDRESS)
    other_question = Message.objects.get(contact=people.other)
    assert scenario.OTHER_WORD in other_question.body_text
    assert erasure.pseudonym in other_question.body_text
    # Counts and audit events stay: nothing deleted but the email memory; two events added.
    assert Message.objects.count() == messages_before
    assert AuditEvent.objects.count() == audit_before + 2
    assert AuditEvent.objects.filter(action="contact.erased", actor=administrator).get().data["counts"]
    contact = Contact.objects.get(pk=people.contact.pk)
    assert contact.email == f"{erasure.pseudonym}@erased.invalid" and contact.name == ""
    assert contact.erased_at is not None
    assert Ticket.objects.filter(contact=contact).count() == 1


def test_an_erased_address_stays_suppressed(people: scenario.People, administrator: Any) -> None:
    services.erase_contact(contact=people.contact, actor=administrator, reason="request 18")

    assert not Suppression.objects.filter(address=scenario.ADDRESS).exists()
    outbound = OutboundMessage(to_addresses=[scenario.ADDRESS.upper()], stream="transactional")
    decision = Gate([outbound]).check(outbound)
    assert decision.to == [] and decision.blocked[0].reason == "hard_bounce"


def test_erasure_empties_raw_mail_search_documents_and_event_payloads(
    people: scenario.People, administrator: Any
) -> None:
    ticket_id = people.question.ticket_id
    services.erase_contact(contact=people.contact, actor=administrator, reason="request 19")

    raws = InboundEmail.objects.filter(ticket_message=people.question).values_list("raw", flat=True)
    assert [bytes(raw) for raw in raws] == [b""]
    assert bytes(OutboundMessage.objects.get(pk=people.outbound.pk).raw_message) == b""
    reply = Message.objects.get(outbound=people.outbound)
    assert reply.body_text == "" and reply.from_address == people.outbound.from_address
    event = DeliveryEvent.objects.get(event_id="esp-bounce-1")
    assert event.data == {} and scenario.ADDRESS not in event.diagnostic and event.kind == "bounced"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT search_vector::text FROM helpdesk_ticket WHERE id = %s", [ticket_id])
            document = cursor.fetchone()[0] or ""
        assert "flamingokvitt" not in document and "astrid" not in document


def test_audit_events_stay_append_only_after_an_erasure(people: scenario.People, administrator: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the guard is a PostgreSQL trigger")
    services.erase_contact(contact=people.contact, actor=administrator, reason="request 20")
    event = AuditEvent.objects.filter(action="contact.erased").get()

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(data={"forged": True})
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    refused = pytest.raises(DatabaseError, match="not a pseudonym")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT helpdesk_audit_pseudonymise(%s::bigint[], %s::text[], %s, %s)",
            [[event.pk], ["request"], "anything at all", "mallory"],
        )
    rewrite = AuditEvent.objects.get(action="audit.pseudonymised")
    assert rewrite.actor_label == administrator.username and event.pk not in rewrite.data["events"]


def test_a_legal_hold_refuses_erasure_and_the_refusal_is_audited(
    people: scenario.People, administrator: Any
) -> None:
    services.set_legal_hold(contact=people.contact, actor=administrator, reason="Claim 2026-44 pending")

    with pytest.raises(services.LegalHoldActive):
        services.erase_contact(contact=people.contact, actor=administrator, reason="request 21")

    contact = Contact.objects.get(pk=people.contact.pk)
    assert contact.email == scenario.ADDRESS and contact.erased_at is None
    assert Message.objects.get(pk=people.question.pk).body_text
    about = AuditEvent.objects.filter(object_id=str(contact.pk), object_type="helpdesk.contact")
    actions = set(about.values_list("action", flat=True))
    assert {"contact.legal_hold_set", "contact.erasure_refused"} <= actions

    services.clear_legal_hold(contact=contact, actor=administrator)
    services.erase_contact(contact=contact, actor=administrator, reason="request 21")
    assert Contact.objects.get(pk=contact.pk).erased_at is not None


def test_only_admins_erase_or_hold_and_an_erased_contact_is_not_erased_twice(
    people: scenario.People, supervisor: Any, agent: Any, administrator: Any
) -> None:
    for user in (supervisor, agent):
        with pytest.raises(services.NotAllowed):
            services.erase_contact(contact=people.contact, actor=user, reason="x")
        with pytest.raises(services.NotAllowed):
            services.set_legal_hold(contact=people.contact, actor=user, reason="x")
    with pytest.raises(services.PrivacyError):
        services.erase_contact(contact=people.contact, actor=administrator, reason="  ")
    services.erase_contact(contact=people.contact, actor=administrator, reason="request 22")
    with pytest.raises(services.AlreadyErased):
        services.erase_contact(contact=people.contact, actor=administrator, reason="request 22")


def _where(dump: bytes, needle: str) -> list[tuple[bytes, bytes]]:
    table, found = b"", []
    for line in dump.split(b"\n"):
        if line.startswith(b"copy "):
            table = line[:60]
        if needle.lower().encode() in line or needle.lower().encode().hex().encode() in line:
            found.append((table, line[:200]))
    return found
