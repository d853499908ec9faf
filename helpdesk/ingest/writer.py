"""Writing one claimed batch of parsed mail: deduplicate, record feedback, thread onto tickets.

``BatchWriter.run`` works inside the caller's transaction (``helpdesk.ingest.batch``) and serves the
whole batch with a handful of queries: duplicates are recognised by Message-ID (raw SHA-256 without
one), bounces and reports go to ``delivery.feedback``, everything else becomes a ticket message with
loop protection, contacts, attachments and the sender rate limit applied.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Count, Max
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from delivery import unsubscribe as unsubscribing
from delivery.feedback import Feedback, record_feedback
from helpdesk import bulk_sql
from helpdesk.audit import audit, audit_many
from helpdesk.ingest.dedup import dedup_key, fingerprint, message_id_key
from helpdesk.ingest.threads import MailKeys, Thread, ThreadIndex, clean_references
from helpdesk.mail.message_ids import ticket_id_from_message_id
from helpdesk.mail.parsing import FEEDBACK_KINDS, ParsedEmail, ParseError, parse_email
from helpdesk.models import (
    Attachment,
    Company,
    Contact,
    InboundEmail,
    Mailbox,
    Message,
    Queue,
    ThreadReference,
    Ticket,
    attachment_path,
)
from helpdesk.sla.deadlines import PolicyBook, deadlines
from helpdesk.tickets import REOPENED_BY_REPLY, reopen_on_reply

logger = logging.getLogger(__name__)

Status = InboundEmail.Status


@dataclass
class Outcome:
    """What became of one stored mail; written onto its InboundEmail row."""

    status: str
    kind: str = ""
    message_id: str = ""
    dedup_key: str = ""
    subject: str = ""
    from_address: str = ""
    error: str = ""
    duplicate_of_id: int | None = None


@dataclass
class BatchResult:
    counts: Counter[str] = field(default_factory=Counter)
    # Human customer messages that should get a drafted reply (loop protection already applied).
    draftable: list[int] = field(default_factory=list)

    def add(self, other: BatchResult) -> None:
        self.counts.update(other.counts)
        self.draftable.extend(other.draftable)


def text(value: str, limit: int | None = None) -> str:
    """Text the database accepts: no NUL (PostgreSQL refuses it), no lone surrogates, bounded length."""
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value[:limit] if limit else value


class BatchWriter:
    """Writes one claimed batch (see the module docstring); ``run`` returns what became of it."""

    def __init__(
        self,
        rows: list[InboundEmail],
        parsed: dict[int, ParsedEmail | Outcome],
        sender_auth: dict[int, dict[str, Any]] | None = None,
    ) -> None:
        self.rows = rows
        self.parsed = parsed
        self.sender_auth = sender_auth or {}
        self.now = timezone.now()
        self.result = BatchResult()
        self.seen_keys: dict[str, int] = {}
        self.pending: list[tuple[Thread, Message, ParsedEmail | None]] = []
        self.new_threads: list[Thread] = []
        self.touched: set[int] = set()
        self.after_flush: list[tuple[str, Thread, dict[str, Any]]] = []
        self.flood_noted: set[int] = set()
        self.draft_messages: list[Message] = []
        self.feedback: list[Feedback] = []
        self.quarantined: list[tuple[InboundEmail, str]] = []
        self._default_queue_id: int | None = None
        self._sla_book: PolicyBook | None = None

    # -- orchestration ---------------------------------------------------------------------------
    def run(self) -> BatchResult:
        claimed = self._claim()
        self.rows = [row for row in self.rows if row.pk in claimed]
        if not self.rows:
            return self.result
        self._prefetch()
        outcomes = {row.pk: self._handle(row, self.parsed[row.pk]) for row in self.rows}
        self._flush()
        self._save_outcomes(outcomes)
        return self.result

    def _claim(self) -> set[int]:
        """The rows still ``stored``, locked for this transaction; rows another worker holds are skipped.

        A row lock rather than a status write: writing ``processing`` cost PostgreSQL a new version
        of every row and of each of its index entries, only to be overwritten before the commit.
        (SQLite has no row locks; its IMMEDIATE transactions already run one writer at a time.)
        """
        ids = [row.pk for row in self.rows]
        return set(
            InboundEmail.objects.select_for_update(skip_locked=True, no_key=True)
            .filter(pk__in=ids, status=Status.STORED)
            .values_list("pk", flat=True)
        )

    def _prefetch(self) -> None:
        mails = [p for p in self.parsed.values() if isinstance(p, ParsedEmail)]
        keys = {self._key(row) for row in self.rows} - {""}
        keys |= {message_id_key(p.message_id.strip()) for p in mails if p.message_id.strip()}
        self.existing_keys = dict(
            InboundEmail.objects.filter(dedup_key__in=keys, status__in=InboundEmail.KEYED_STATUSES)
            .exclude(pk__in=[row.pk for row in self.rows])
            .values_list("dedup_key", "pk")
        )
        self.index = ThreadIndex.load(self._keys(p) for p in mails if p.kind not in FEEDBACK_KINDS)
        self.mailboxes = {
            m.pk: m for m in Mailbox.objects.only("pk", "email_address", "username", "queue_id")
        }
        self.own_addresses = {
            address for mailbox in self.mailboxes.values() for address in mailbox.own_addresses
        } | {
            parseaddr(value)[1].lower()
            for value in (settings.DEFAULT_FROM_EMAIL, settings.SERVER_EMAIL)
            if "@" in value
        }
        senders = {self._sender(p) for p in mails}
        self.contacts = {
            c.email: c for c in Contact.objects.filter(email__in=senders).select_related("company")
        }
        domains = {sender.rpartition("@")[2] for sender in senders if "@" in sender}
        self.companies: dict[str, Company] = {}
        # Domains are matched case-insensitively: an admin may well type "Kund.se".
        matching = Company.objects.annotate(domain_lower=Lower("domain")).filter(domain_lower__in=domains)
        for company in matching.order_by("-pk"):
            self.companies[company.domain.lower()] = company
        self._prefetch_rates(senders)

    def _prefetch_rates(self, senders: set[str]) -> None:
        self.rates: dict[str, tuple[int, Thread | None]] = {}
        limit = settings.HELPDESK_SENDER_RATE_LIMIT
        if not limit:
            return
        cutoff = self.now - timedelta(hours=1)
        rows = (
            Ticket.objects.filter(contact__email__in=senders, created_at__gte=cutoff)
            .values("contact__email")
            .annotate(n=Count("id"), latest=Max("id"))
        )
        for row in rows:
            if row["n"] >= limit:
                self.rates[row["contact__email"]] = (row["n"], self.index.thread_of_ticket(row["latest"]))
            else:
                self.rates[row["contact__email"]] = (row["n"], None)

    def _key(self, row: InboundEmail) -> str:
        parsed = self.parsed[row.pk]
        if isinstance(parsed, Outcome):
            return parsed.dedup_key
        return dedup_key(parsed.message_id.strip(), row.sha256, fingerprint(parsed))

    # -- one mail -------------------------------------------------------------------------------
    def _handle(self, row: InboundEmail, parsed: ParsedEmail | Outcome) -> Outcome:
        if isinstance(parsed, Outcome):
            return self._counted(self._unparsed(row, parsed))
        outcome = Outcome(
            status=Status.PROCESSED,
            kind=parsed.kind,
            message_id=text(parsed.message_id.strip(), 998),
            dedup_key=self._key(row),
            subject=text(parsed.subject, 255),
            from_address=text(parsed.from_address, 320),
        )
        duplicate = self._duplicate_of(outcome, parsed)
        if duplicate is not None:
            return self._counted(duplicate)
        self.seen_keys[outcome.dedup_key] = row.pk
        if parsed.kind in FEEDBACK_KINDS:
            self._record_feedback(row, parsed)
            outcome.status = Status.FEEDBACK
        elif self._unsubscribed(parsed):
            outcome.status = Status.FEEDBACK
        else:
            self._add_to_ticket(row, parsed)
        return self._counted(outcome)

    def _unsubscribed(self, parsed: ParsedEmail) -> bool:
        """A mail to the ``List-Unsubscribe`` mailto of our bulk mail, with the token it gave: the
        unsubscribe is done here (consent withdrawn, address suppressed for that purpose, both audited),
        as the link does it, and the mail, kept, makes no ticket. Any other mail that says
        "unsubscribe" goes to a ticket, for a person."""
        wanted = unsubscribing.requested_by_mail(parsed.subject, parsed.from_address)
        if wanted is None:
            return False
        unsubscribing.unsubscribe(wanted, via=f"mail {parsed.message_id.strip()}"[:300])
        return True

    def _unparsed(self, row: InboundEmail, outcome: Outcome) -> Outcome:
        outcome = Outcome(**vars(outcome))  # the parse result is reused if the batch is redone
        if outcome.status == Status.QUARANTINED:
            self.quarantined.append((row, outcome.error))
            return outcome
        duplicate = self._duplicate_of(outcome)
        if duplicate is not None:
            return duplicate
        self.seen_keys[outcome.dedup_key] = row.pk
        return outcome

    def _counted(self, outcome: Outcome) -> Outcome:
        self.result.counts[outcome.status] += 1
        return outcome

    def _duplicate_of(self, outcome: Outcome, parsed: ParsedEmail | None = None) -> Outcome | None:
        key = outcome.dedup_key
        original = self.seen_keys.get(key) or self.existing_keys.get(key)
        if original is None and parsed is not None and outcome.message_id:
            original = self._stored_copy(message_id_key(outcome.message_id), parsed)
        if original is not None:
            outcome.status, outcome.duplicate_of_id = Status.DUPLICATE, original
            outcome.error = _("The same mail was already stored.")
            return outcome
        ticket_id = self.index.stored_message_ids.get(outcome.message_id) if outcome.message_id else None
        if ticket_id is not None:
            outcome.status = Status.DUPLICATE
            outcome.error = _("Its Message-ID is already on ticket #%(ticket)s.") % {"ticket": ticket_id}
            return outcome
        return None

    def _stored_copy(self, key: str, parsed: ParsedEmail) -> int | None:
        """The row keyed by the Message-ID alone (stored before fingerprints) if it is this mail."""
        pk = self.existing_keys.get(key)
        if pk is None:
            return None
        raw = InboundEmail.objects.filter(pk=pk).values_list("raw", flat=True).first()
        try:
            stored = parse_email(bytes(raw or b""))
        except ParseError:
            return pk  # as before fingerprints: the same Message-ID is the same mail
        return pk if fingerprint(stored) == fingerprint(parsed) else None

    def _record_feedback(self, row: InboundEmail, parsed: ParsedEmail) -> None:
        self.feedback.append(
            Feedback(
                kind=parsed.kind,
                recipients=parsed.feedback,
                report=parsed.report,
                subject=parsed.subject,
                inbound_email_id=row.pk,
                received_at=self.now,
            )
        )

    def _add_to_ticket(self, row: InboundEmail, parsed: ParsedEmail) -> None:
        mail = self._keys(parsed)
        reason = self._loop_reason(parsed)
        contact = self._contact(parsed)
        thread = self.index.resolve(mail).thread
        if thread is None:
            thread = self._flood_thread(contact)
            if thread is not None:
                reason = reason or "rate_limited"
                self._note_flood(thread, contact)
        if thread is None:
            thread = self._new_thread(row, parsed, contact)
        else:
            self._touch(thread, reason, row)
        self.index.register(thread, mail)
        message = self._message(row, parsed, contact, reason)
        self.pending.append((thread, message, parsed))
        if not reason and not message.is_auto_reply:
            self.draft_messages.append(message)

    @staticmethod
    def _keys(parsed: ParsedEmail) -> MailKeys:
        return MailKeys(
            message_id=parsed.message_id.strip(),
            in_reply_to=parsed.in_reply_to.strip(),
            references=clean_references(parsed.references),
            subject=parsed.subject,
            sender=BatchWriter._sender(parsed),
        )

    @staticmethod
    def _sender(parsed: ParsedEmail) -> str:
        return text((parsed.from_address or parsed.reply_to).strip().lower(), 320)

    def _loop_reason(self, parsed: ParsedEmail) -> str:
        """Why no acknowledgement or draft may answer this mail ("" when one may)."""
        if self._sender(parsed) in self.own_addresses or ticket_id_from_message_id(parsed.message_id):
            return "own_mail"
        if parsed.is_bulk:  # lists and newsletters, whatever else they claim to be
            return "bulk"
        if parsed.kind == "auto_reply" or parsed.auto_submitted:
            return "auto_reply"
        return ""

    def _contact(self, parsed: ParsedEmail) -> Contact:
        address = self._sender(parsed)
        contact = self.contacts.get(address)
        if contact is None:
            company = self.companies.get(address.rpartition("@")[2]) if "@" in address else None
            name = text(parsed.from_name.strip(), 200) or ("" if address else _("(unknown sender)"))
            contact = Contact.objects.create(email=address, name=name, company=company)
            self.contacts[address] = contact
        elif not contact.name and parsed.from_name.strip():
            contact.name = text(parsed.from_name.strip(), 200)
            Contact.objects.filter(pk=contact.pk).update(name=contact.name)
        return contact

    def _new_thread(self, row: InboundEmail, parsed: ParsedEmail, contact: Contact) -> Thread:
        mailbox = self.mailboxes.get(row.mailbox_id) if row.mailbox_id else None
        ticket = Ticket(
            subject=text(parsed.subject.strip(), 998),
            contact=contact,
            company=contact.company,
            queue_id=mailbox.queue_id if mailbox and mailbox.queue_id else self._default_queue(),
            mailbox=mailbox,
            inbound_address=self._written_to(mailbox, parsed),
            status=Ticket.Status.NEW,
            created_at=self.now,
            last_activity_at=self.now,
        )
        thread = self.index.new_thread(ticket)
        self.new_threads.append(thread)
        count, _latest = self.rates.get(contact.email, (0, None))
        self.rates[contact.email] = (count + 1, thread)
        return thread

    def _default_queue(self) -> int:
        """Where mail of a mailbox without a queue goes (read once a batch, only when needed)."""
        if self._default_queue_id is None:
            self._default_queue_id = Queue.objects.default().pk
        return self._default_queue_id

    @staticmethod
    def _written_to(mailbox: Mailbox | None, parsed: ParsedEmail) -> str:
        """Our address the customer wrote to: the mailbox's own among To and Cc, else its address."""
        if mailbox is None:
            return ""
        own = mailbox.own_addresses
        for address in (*parsed.to, *parsed.cc):
            if address.lower() in own:
                return text(address.lower(), 320)
        fallback = mailbox.email_address or (mailbox.username if "@" in mailbox.username else "")
        return text(fallback.strip().lower(), 320)

    def _sla(self) -> PolicyBook:
        """The SLA policies and the queues' calendars, read once a batch and only when a ticket is
        created or reopened."""
        if self._sla_book is None:
            queues = {m.queue_id for m in self.mailboxes.values()} | {self._default_queue()}
            self._sla_book = PolicyBook.load(queues)
        return self._sla_book

    def _flood_thread(self, contact: Contact) -> Thread | None:
        """The ticket that collects a sender's mail once they opened too many tickets this hour."""
        limit = settings.HELPDESK_SENDER_RATE_LIMIT
        count, latest = self.rates.get(contact.email, (0, None))
        if not limit or not contact.email or count < limit or latest is None:
            return None
        return latest.live()

    def _note_flood(self, thread: Thread, contact: Contact) -> None:
        if id(thread) in self.flood_noted:
            return
        self.flood_noted.add(id(thread))
        limit = settings.HELPDESK_SENDER_RATE_LIMIT
        if (
            not thread.new
            and thread.ticket.messages.filter(
                direction=Message.Direction.NOTE,
                no_auto_response_reason="rate_limited",
                created_at__gte=self.now - timedelta(hours=1),
            ).exists()
        ):
            return
        note = _(
            "%(sender)s opened more than %(limit)s tickets within an hour. Further new mail from this "
            "sender is collected on this ticket and gets no automatic reply or draft."
        ) % {"sender": contact.email, "limit": limit}
        message = Message(
            direction=Message.Direction.NOTE,
            body_text=note,
            visible_text=note,
            no_auto_response_reason="rate_limited",
            created_at=self.now,
        )
        self.pending.append((thread, message, None))
        self.after_flush.append(("ingest.rate_limited", thread, {"sender": contact.email, "limit": limit}))

    def _touch(self, thread: Thread, reason: str, row: InboundEmail) -> None:
        """A reply on a stored ticket: bump its activity and, if a person wrote, reopen it."""
        if thread.new:
            return
        ticket = thread.ticket
        self.touched.add(ticket.pk)
        if reason:
            return  # auto-replies, bulk, own and rate-limited mail never reopen a ticket
        if ticket.status in REOPENED_BY_REPLY:
            reopen_on_reply(ticket=ticket, inbound_email_id=row.pk, sla_book=self._sla())

    def _message(self, row: InboundEmail, parsed: ParsedEmail, contact: Contact, reason: str) -> Message:
        return Message(
            direction=Message.Direction.INBOUND,
            contact=contact,
            from_address=self._sender(parsed),
            to_addresses=[text(a, 320) for a in parsed.to],
            cc_addresses=[text(a, 320) for a in parsed.cc],
            subject=text(parsed.subject, 998),
            message_id=text(parsed.message_id.strip(), 998),
            in_reply_to=text(parsed.in_reply_to.strip(), 998),
            references=text(" ".join(clean_references(parsed.references))),
            body_text=text(parsed.body_text),
            body_html=text(parsed.body_html),
            visible_text=text(parsed.visible_text),
            quoted_text=text(parsed.quoted_text),
            signature=text(parsed.signature),
            forwarded=[{key: text(value) for key, value in f.as_dict().items()} for f in parsed.forwards],
            is_auto_reply=reason == "auto_reply",
            no_auto_response_reason=reason,
            sender_auth=self.sender_auth.get(row.pk, {}),
            inbound_email_id=row.pk,
            created_at=self.now,
        )

    # -- writing --------------------------------------------------------------------------------
    def _flush(self) -> None:
        tickets = [thread.ticket for thread in self.new_threads if thread.live() is thread]
        if tickets:
            book = self._sla()
            for ticket in tickets:
                for name, value in deadlines(ticket, book).items():
                    setattr(ticket, name, value)
        Ticket.objects.bulk_create(tickets)
        messages = []
        for thread, message, _parsed in self.pending:
            message.ticket = thread.live().ticket
            messages.append(message)
        Message.objects.bulk_create(messages)
        self.result.draftable = [message.pk for message in self.draft_messages]
        Attachment.objects.bulk_create(
            attachment
            for (_thread, message, parsed) in self.pending
            if parsed is not None
            for attachment in self._attachments(message, parsed)
        )
        ThreadReference.objects.bulk_create(self.index.reference_rows())
        if self.touched:
            Ticket.objects.filter(pk__in=self.touched).update(last_activity_at=self.now)
        for action, thread, data in self.after_flush:
            audit(action=action, obj=thread.live().ticket, system="ingest", data=data)
        if self.feedback:
            record_feedback(items=self.feedback)
        if self.quarantined:
            audit_many(
                action="ingest.quarantined",
                objs=[row for row, _error in self.quarantined],
                system="ingest",
                data=[{"error": error[-500:]} for _row, error in self.quarantined],
            )

    def _attachments(self, message: Message, parsed: ParsedEmail) -> list[Attachment]:
        attachments = []
        for part in parsed.attachments:
            content = bytes(part.content)
            attachment = Attachment(
                message=message,
                filename=text(part.filename, 255) or "attachment",
                content_type=text(part.content_type, 255) or "application/octet-stream",
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                content_id=text(part.content_id, 255),
                inline=part.inline,
                created_at=self.now,
            )
            # Content-addressed: the same bytes are stored once, whoever sends them again.
            name = attachment_path(attachment, attachment.filename)
            if not default_storage.exists(name):
                name = default_storage.save(name, ContentFile(content))
            attachment.file.name = name
            attachments.append(attachment)
        return attachments

    def _save_outcomes(self, outcomes: dict[int, Outcome]) -> None:
        # One UPDATE ... FROM unnest(...) on PostgreSQL (helpdesk.bulk_sql); Django's bulk_update
        # builds CASE expressions that cost more than the rest of the batch together.
        names = ["status", "kind", "message_id", "dedup_key", "subject", "from_address", "error"]
        names += ["duplicate_of", "processed_at"]
        by_name = {f.name: f for f in InboundEmail._meta.concrete_fields}
        fields = [by_name[name] for name in names]
        processed_at = connection.ops.adapt_datetimefield_value(self.now)
        rows: list[list[Any]] = []
        for row in self.rows:
            outcome = outcomes[row.pk]
            values: list[Any] = [outcome.status, outcome.kind, outcome.message_id, outcome.dedup_key]
            values += [
                outcome.subject,
                outcome.from_address,
                text(outcome.error),
                outcome.duplicate_of_id,
                processed_at,
                row.pk,
            ]
            rows.append(values)
        bulk_sql.update_rows(InboundEmail, fields, rows, also="attempts = attempts + 1")
