"""The helpdesk's GDPR sections: the contact, their tickets and messages with attachments, the raw mail
we stored, and the audit events about them (pseudonymised, never deleted: ``helpdesk.audit``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.admin.models import LogEntry
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from helpdesk.audit import pseudonymise_events
from helpdesk.gdpr.base import ExportFile, Subject, chunked, fields_of
from helpdesk.gdpr.rows import COPY, OTHER, OWN, message_ids, own_ticket_ids, related_ticket_ids
from helpdesk.models import (
    Attachment,
    AuditEvent,
    ConsentRecord,
    Contact,
    InboundEmail,
    Message,
    ThreadReference,
    Ticket,
)

TICKET_FIELDS = ("id", "subject", "status", "priority", "language", "created_at", "resolved_at", "contact_id")
MESSAGE_FIELDS = (
    "id",
    "ticket_id",
    "direction",
    "from_address",
    "to_addresses",
    "cc_addresses",
    "subject",
    "message_id",
    "in_reply_to",
    "body_text",
    "body_html",
    "visible_text",
    "quoted_text",
    "signature",
    "forwarded",
    "is_auto_reply",
    "sender_auth",
    "created_at",
)
INBOUND_FIELDS = ("id", "status", "kind", "subject", "from_address", "message_id", "size", "received_at")
# Free texts in audit data that may describe the person in words of their own (a rejection reason,
# an instruction, an operator's note): on the subject's own tickets they go with the rest.
AUDIT_FREE_TEXT = ("instruction", "reason", "note", "error", "name", "subject", "text", "body", "evidence")


class ContactSection:
    """The contact row itself. Erased last: it keeps its id (tickets and counts point at it) under the
    pseudonymous address, without a name."""

    name = "contact"

    def export(self, subject: Subject) -> Iterator[dict[str, Any]]:
        contact = Contact.objects.select_related("company").get(pk=subject.contact_id)
        row = fields_of(contact, ("id", "email", "name", "language", "created_at", "erased_at"))
        row["company"] = contact.company.name if contact.company else None
        row["legal_hold"] = {"reason": contact.legal_hold_reason, "since": contact.legal_hold_at}
        yield row

    def files(self, subject: Subject) -> Iterator[ExportFile]:
        return iter(())

    def erase(self, subject: Subject) -> int:
        return Contact.objects.filter(pk=subject.contact_id).update(
            email=subject.pseudonym_address, name="", erased_at=timezone.now()
        )


class TicketSection:
    """Tickets the subject opened or took part in; the subjects of their own tickets are erased."""

    name = "tickets"

    def export(self, subject: Subject) -> Iterator[dict[str, Any]]:
        own = own_ticket_ids(subject)
        for ticket in Ticket.objects.filter(pk__in=related_ticket_ids(subject)).order_by("pk"):
            row = fields_of(ticket, TICKET_FIELDS)
            row["role"] = "contact" if ticket.pk in own else "participant"
            yield row

    def files(self, subject: Subject) -> Iterator[ExportFile]:
        return iter(())

    def erase(self, subject: Subject) -> int:
        own = own_ticket_ids(subject)
        changed = Ticket.objects.filter(pk__in=own).update(subject=subject.pseudonym)
        for ticket in Ticket.objects.filter(pk__in=related_ticket_ids(subject) - own).only("pk", "subject"):
            changed += Ticket.objects.filter(pk=ticket.pk).update(subject=subject.redact_text(ticket.subject))
        references = ThreadReference.objects.filter(subject.mentions("message_id"))
        for reference in references:
            reference.message_id = subject.redact_text(reference.message_id)
            reference.save(update_fields=["message_id"])
        return changed


class MessageSection:
    """The subject's messages with their attachments (bytes in the zip), and copies sent to them.
    Erasure blanks their own messages and deletes the attachment files (after the commit); others'
    messages keep their text with the subject's addresses and names replaced."""

    name = "messages"

    def export(self, subject: Subject) -> Iterator[dict[str, Any]]:
        rows = Message.objects.filter(pk__in=message_ids(subject, OWN, COPY)).order_by("created_at", "pk")
        for message in rows.prefetch_related("attachments").iterator(chunk_size=200):
            row = fields_of(message, MESSAGE_FIELDS)
            row["attachments"] = [
                {"id": a.pk, "filename": a.filename, "content_type": a.content_type, "size": a.size}
                for a in message.attachments.all()
            ]
            yield row

    def files(self, subject: Subject) -> Iterator[ExportFile]:
        rows = Attachment.objects.filter(message_id__in=message_ids(subject, OWN, COPY)).exclude(file="")
        for attachment in rows.order_by("pk").iterator(chunk_size=200):
            # A file lost from storage is left out rather than breaking the stream half-way.
            if default_storage.exists(attachment.file.name or ""):
                yield ExportFile(
                    f"attachments/{attachment.pk}-{attachment.filename}", _file_reader(attachment)
                )

    def erase(self, subject: Subject) -> int:
        own = message_ids(subject, OWN)
        changed = 0
        for message in Message.objects.filter(pk__in=own).iterator(chunk_size=200):
            _blank_message(subject, message)
            changed += 1
        others = Message.objects.filter(pk__in=set(_mentioning(subject)) - own)
        for message in others.iterator(chunk_size=200):
            _redact_message(subject, message)
            changed += 1
        _erase_attachments(Attachment.objects.filter(message_id__in=own))
        return changed


class InboundMailSection:
    """The raw mail we stored from the subject: of their messages, and any quarantined, duplicate or
    oversized mail from their addresses. Erasure empties the bytes and the headers we kept; the
    hashes stay, so the same mail fetched again is recognised as a duplicate instead of stored anew."""

    name = "inbound_mail"

    def _rows(self, subject: Subject) -> Q:
        query = Q(ticket_message__in=message_ids(subject, OWN))
        for address in subject.addresses:
            query |= Q(from_address__iexact=address)
        return query

    def export(self, subject: Subject) -> Iterator[dict[str, Any]]:
        rows = InboundEmail.objects.filter(self._rows(subject)).order_by("pk").defer("raw")
        for row in rows.iterator(chunk_size=200):
            yield fields_of(row, INBOUND_FIELDS)

    def files(self, subject: Subject) -> Iterator[ExportFile]:
        rows = InboundEmail.objects.filter(self._rows(subject)).order_by("pk").values_list("pk", flat=True)
        for pk in list(rows):
            yield ExportFile(f"mail/inbound-{pk}.eml", _raw_reader(pk))

    def erase(self, subject: Subject) -> int:
        changed = 0
        for row in InboundEmail.objects.filter(self._rows(subject)).defer("raw").iterator(chunk_size=200):
            changed += InboundEmail.objects.filter(pk=row.pk).update(
                raw=b"",
                subject="",
                from_address=subject.pseudonym_address,
                error="",
                message_id=subject.redact_text(row.message_id),
            )
        # Another person's raw mail that copies or names the subject: the raw bytes cannot be edited
        # reliably (encoded words, base64 bodies), so they go; the parsed message stays, redacted.
        others = InboundEmail.objects.filter(ticket_message__in=message_ids(subject, OTHER)).defer("raw")
        for row in others.exclude(self._rows(subject)).iterator(chunk_size=200):
            changed += InboundEmail.objects.filter(pk=row.pk).update(
                raw=b"", subject=subject.redact_text(row.subject), error=""
            )
        return changed


class AuditSection:
    """Audit events about the subject: about the contact, on their own tickets, or naming them. Kept,
    with the subject's addresses, names and free texts replaced by the pseudonym through the audit
    log's one narrow rewrite (``helpdesk.audit.pseudonymise_events``), which audits itself."""

    name = "audit_events"

    def _rows(self, subject: Subject) -> Q:
        about_contact = Q(object_type="helpdesk.contact", object_id=str(subject.contact_id))
        return (
            about_contact
            | _about_consent(subject)
            | Q(ticket_id__in=own_ticket_ids(subject))
            | subject.mentions("data")
        )

    def export(self, subject: Subject) -> Iterator[dict[str, Any]]:
        rows = AuditEvent.objects.filter(self._rows(subject)).order_by("created_at", "pk")
        for event in rows.iterator(chunk_size=500):
            yield fields_of(event, ("id", "created_at", "actor_label", "action", "object_type", "object_id"))

    def files(self, subject: Subject) -> Iterator[ExportFile]:
        return iter(())

    def erase(self, subject: Subject) -> int:
        ids: list[int] = []
        needles = set(subject.needles)
        for event in AuditEvent.objects.filter(self._rows(subject)).only("pk", "data", "ticket_id"):
            ids.append(event.pk)
            if (
                event.ticket_id in own_ticket_ids(subject)
                or event.object_type == "helpdesk.contact"
                or event.object_id in _consent_ids(subject)
                and event.object_type == "helpdesk.consentrecord"
            ):
                needles |= set(_free_texts(event.data))
        return pseudonymise_events(
            event_ids=ids,
            needles=sorted(needles, key=len, reverse=True),  # a free text before the name inside it
            pseudonym=subject.pseudonym,
            actor_label=subject.actor_label,
        )


class AdminLogSection:
    """Django admin's change log names the objects it lists ("Astrid Lindqvist <astrid@...>"). It is the
    staff's record, so it is not exported; erasure replaces the person's address and name in it."""

    name = "admin_log"

    def export(self, subject: Subject) -> Iterator[dict[str, Any]]:
        return iter(())

    def files(self, subject: Subject) -> Iterator[ExportFile]:
        return iter(())

    def erase(self, subject: Subject) -> int:
        changed = 0
        for entry in LogEntry.objects.filter(subject.mentions("object_repr", "change_message")):
            changed += LogEntry.objects.filter(pk=entry.pk).update(
                object_repr=subject.redact_text(entry.object_repr)[:200],
                change_message=subject.redact_text(entry.change_message),
            )
        return changed


class ConsentSection:
    """The subject's consent records. Erased, a record keeps purpose, answer, source and time (the proof
    that a withdrawal was honoured) and loses its evidence: free text that may hold anything about them."""

    name = "consent"

    def export(self, subject: Subject) -> Iterator[dict[str, Any]]:
        records = ConsentRecord.objects.filter(contact_id=subject.contact_id).order_by("created_at", "pk")
        for record in records:
            yield fields_of(record, ("purpose", "granted", "source", "evidence", "actor_label", "created_at"))

    def files(self, subject: Subject) -> Iterator[ExportFile]:
        return iter(())

    def erase(self, subject: Subject) -> int:
        changed = 0
        for record in ConsentRecord.objects.filter(contact_id=subject.contact_id):
            changed += ConsentRecord.objects.filter(pk=record.pk).update(evidence="")
        return changed


SECTIONS = (TicketSection(), MessageSection(), InboundMailSection(), ConsentSection(), AdminLogSection())


def _mentioning(subject: Subject) -> Iterator[int]:
    fields = ("to_addresses", "cc_addresses", "from_address", "body_text", "forwarded", "quoted_text")
    yield from Message.objects.filter(subject.mentions(*fields)).values_list("pk", flat=True)
    yield from Message.objects.filter(ticket_id__in=own_ticket_ids(subject)).values_list("pk", flat=True)


def _blank_message(subject: Subject, message: Message) -> None:
    Message.objects.filter(pk=message.pk).update(
        # Our replies keep our address; the person's own mail gets the pseudonymous one.
        from_address=(
            subject.pseudonym_address
            if subject.is_own_address(message.from_address)
            else subject.redact_text(message.from_address)
        ),
        to_addresses=subject.redact_addresses(message.to_addresses),
        cc_addresses=subject.redact_addresses(message.cc_addresses),
        subject="",
        body_text="",
        body_html="",
        visible_text="",
        quoted_text="",
        signature="",
        forwarded=[],
        sender_auth={},
        message_id=subject.redact_text(message.message_id),
        in_reply_to=subject.redact_text(message.in_reply_to),
        references=subject.redact_text(message.references),
    )


def _redact_message(subject: Subject, message: Message) -> None:
    texts = ("from_address", "subject", "body_text", "body_html", "visible_text", "quoted_text", "signature")
    values: dict[str, Any] = {name: subject.redact_text(getattr(message, name)) for name in texts}
    for name in ("to_addresses", "cc_addresses", "forwarded", "sender_auth"):
        values[name] = subject.redact_json(getattr(message, name))
    Message.objects.filter(pk=message.pk).update(**values)


def _erase_attachments(rows: Any) -> None:
    names = [name for name in rows.values_list("file", flat=True) if name]
    rows.update(filename="", sha256="", content_id="", file="")

    def delete_files() -> None:
        # Two messages may share one stored file (same bytes, same name): delete only unreferenced ones.
        for name in names:
            if not Attachment.objects.filter(file=name).exists():
                default_storage.delete(name)

    transaction.on_commit(delete_files)


def _consent_ids(subject: Subject) -> list[str]:
    if "consent" not in subject.found:
        records = ConsentRecord.objects.filter(contact_id=subject.contact_id)
        subject.found["consent"] = [str(pk) for pk in records.values_list("pk", flat=True)]
    ids: list[str] = subject.found["consent"]
    return ids


def _about_consent(subject: Subject) -> Q:
    return Q(object_type="helpdesk.consentrecord", object_id__in=_consent_ids(subject))


def _free_texts(data: Any) -> Iterator[str]:
    if isinstance(data, dict):
        for key, value in data.items():
            # Words, not codes: a reason such as "hard_bounce" stays, "Customer was rude" goes.
            if key in AUDIT_FREE_TEXT and isinstance(value, str) and " " in value.strip():
                yield value
            else:
                yield from _free_texts(value)
    elif isinstance(data, list):
        for item in data:
            yield from _free_texts(item)


def _file_reader(attachment: Attachment) -> Any:
    def read() -> Iterator[bytes]:
        with attachment.file.open("rb") as handle:
            while chunk := handle.read(64 * 1024):
                yield chunk

    return read


def _raw_reader(pk: int) -> Any:
    def read() -> Iterator[bytes]:
        raw = InboundEmail.objects.filter(pk=pk).values_list("raw", flat=True).first()
        yield from chunked(bytes(raw or b""))

    return read
