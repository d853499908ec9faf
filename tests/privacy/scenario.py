"""A person with a real history, made through the product's own paths: mail ingested with an
attachment, a draft approved and sent to an SMTP server, a hard bounce that suppressed the address,
and a second person's ticket on which the first is copied and named."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from django.apps import apps as django_apps
from django.core.cache import cache
from django.db import connection

from delivery.events import Observation, record_event
from delivery.models import OutboundMessage
from delivery.queue import send_pass
from delivery.services import queue_reply
from drafts import generation, services
from helpdesk.consent import record_consent
from helpdesk.ingest.services import process_stored, store_raw_email
from helpdesk.models import ConsentRecord, Contact, Message, Purpose
from notices.models import Notice, Recipient
from tests.helpdesk.ingest_support import make_mail

ADDRESS = "astrid.lindqvist@kund.example"
NAME = "Astrid Lindqvist"
# Words only Astrid wrote: after erasure they must be nowhere.
BODY_WORDS = ("flamingokvitter", "zanzibarlådan", "070-7654321")
ATTACHMENT = b"%PDF-1.4\nkvitto for the flamingokvitter order, astrid-only-bytes-4471\n%%EOF\n"
OTHER_ADDRESS = "bertil.berg@kund.example"
OTHER_WORD = "bertilsmarker"


def install_drafting_defaults() -> None:
    """Transactional tests flush what data migrations made; put the reply templates back."""
    with connection.schema_editor() as editor:
        importlib.import_module("drafts.migrations.0002_defaults").install_defaults(django_apps, editor)
    cache.clear()


@dataclass
class People:
    contact: Contact
    other: Contact
    question: Message
    outbound: OutboundMessage


def build(*, approver: Any) -> People:
    own = make_mail(
        sender=f"{NAME} <{ADDRESS}>",
        subject="Flamingokvitter: var är min order 100231?",
        body=f"Hej!\n\nJag undrar över {BODY_WORDS[0]} och {BODY_WORDS[1]}.\n\n{NAME}\n{BODY_WORDS[2]}",
        attachments=[("kvitto.pdf", "application/pdf", ATTACHMENT)],
    )
    shared = make_mail(
        sender=f"Bertil Berg <{OTHER_ADDRESS}>",
        cc=f"{NAME} <{ADDRESS}>",
        subject="Leverans till lagret",
        body=f"Hej, {OTHER_WORD}. Fråga {NAME} ({ADDRESS}) om detaljerna.",
    )
    for raw in (own, shared):
        store_raw_email(raw=raw)
    process_stored()
    contact = Contact.objects.get(email=ADDRESS)
    other = Contact.objects.get(email=OTHER_ADDRESS)
    question = Message.objects.get(contact=contact)
    draft, _made = generation.draft_now(message_id=question.pk)
    assert draft.status == draft.Status.READY, draft.failure_reason
    services.approve_draft(draft=draft, user=approver, expected_version=draft.version, undo_seconds=0)
    other_question = Message.objects.get(contact=other)
    queue_reply(
        ticket=other_question.ticket,
        in_reply_to=other_question,
        to=[OTHER_ADDRESS],
        cc=[ADDRESS],
        subject="Re: Leverans till lagret",
        body=f"Hej Bertil, {OTHER_WORD} noterad.",
        idempotency_key="privacy:copy",
    )
    send_pass()
    outbound = OutboundMessage.objects.get(ticket=question.ticket)
    record_event(
        observation=Observation(
            event_id="esp-bounce-1",
            kind="bounced",
            source="esp:test",
            recipient=ADDRESS,
            hard=True,
            status="5.1.1",
            diagnostic=f"550 5.1.1 <{ADDRESS}>: no mailbox for {NAME}",
            data={"ip": "203.0.113.9", "recipient": ADDRESS},
        ),
        outbound=outbound,
    )
    record_consent(
        contact=contact,
        purpose=Purpose.SERVICE_NOTICES,
        granted=True,
        source=ConsentRecord.Source.FORM,
        evidence=f"Signed by {NAME} <{ADDRESS}>, {BODY_WORDS[2]}",
        actor=approver,
    )
    notice = Notice.objects.create(
        name="Delayed shipments", kind=Notice.Kind.LIST, purpose=Purpose.SERVICE_NOTICES, pasted=ADDRESS
    )
    Recipient.objects.create(
        notice=notice,
        address=ADDRESS,
        contact=contact,
        name=NAME,
        status=Recipient.Status.DRAFTED,
        subject="Your order 100231 is delayed",
        body=f"Hej {NAME}! Order 100231 ({BODY_WORDS[0]}) kommer en vecka senare.",
    )
    return People(contact=contact, other=other, question=question, outbound=outbound)
