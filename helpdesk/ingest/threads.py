"""Threading: which ticket does an inbound mail belong to?

In order: the mail's In-Reply-To, then its References from nearest to farthest, each matched against
our signed Message-IDs (``helpdesk.mail.message_ids``), every stored Message-ID (inbound and outbound) and
every id other mail of a ticket referred to (so replies whose parent never reached us, or arrived
later, still meet); then the ids other tickets' mail referred to that equal this mail's own id
(its replies came first); then a ``[#123]`` subject tag from a known participant; else a new ticket.
Subjects alone never thread (``Re: Order`` from two customers are two tickets).

When one mail proves that two tickets are one conversation, the newer one is merged into the older
if nobody has worked on it yet. ``ThreadIndex`` does this for a whole batch of mail with a handful of
queries, so a batch's own mail can thread to tickets the batch has not written yet.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from helpdesk.mail.message_ids import ticket_id_from_message_id
from helpdesk.models import Message, ThreadReference, Ticket
from helpdesk.tickets import merge_tickets

SUBJECT_TAG = re.compile(r"\[#(\d{1,18})\]")
# Hostile mail can carry thousands of References; the nearest parents and the root are what matter.
MAX_REFERENCES = 20
_sequence = itertools.count()


@dataclass(eq=False)
class Thread:
    """A ticket as the batch sees it: already stored, or new and written when the batch flushes."""

    ticket: Ticket
    new: bool
    order: int = field(default_factory=lambda: next(_sequence))
    absorbed_into: Thread | None = None

    def live(self) -> Thread:
        thread = self
        while thread.absorbed_into is not None:
            thread = thread.absorbed_into
        return thread

    @property
    def age_key(self) -> tuple[int, int]:
        """Stored tickets are older than new ones; among stored, the lower id is older."""
        return (1, self.order) if self.new else (0, int(self.ticket.pk))


@dataclass(frozen=True)
class MailKeys:
    """The ids of one mail that threading looks at."""

    message_id: str
    in_reply_to: str
    references: tuple[str, ...]
    subject: str
    sender: str

    @property
    def parents(self) -> list[str]:
        """In-Reply-To first, then References from the nearest to the root, each once."""
        ordered = [self.in_reply_to, *reversed(self.references)]
        return list(dict.fromkeys(mid for mid in ordered if mid and mid != self.message_id))

    @property
    def all_ids(self) -> list[str]:
        return list(dict.fromkeys(mid for mid in [self.message_id, *self.parents] if mid))


def clean_references(references: Sequence[str]) -> tuple[str, ...]:
    ids = [ref.strip() for ref in references if ref.strip()]
    if len(ids) > MAX_REFERENCES:
        ids = [ids[0], *ids[-(MAX_REFERENCES - 1) :]]
    return tuple(ids)


@dataclass(frozen=True)
class Resolution:
    thread: Thread | None
    via: str  # "in_reply_to" | "references" | "child" | "subject_tag" | "" (new ticket)


class ThreadIndex:
    """Message-ID -> ticket maps for one batch, loaded up front and updated as the batch adds mail."""

    def __init__(self) -> None:
        self.by_message_id: dict[str, Thread] = {}
        self.by_reference: dict[str, list[Thread]] = {}
        self.threads: dict[int, Thread] = {}
        # Message-ID -> ticket of a message that did not come through ingest (ours, notes, the API)
        self.stored_message_ids: dict[str, int] = {}
        self.new_references: list[tuple[Thread, str]] = []
        self._participants: dict[int, set[str]] = {}
        self._mergeable: dict[int, bool] = {}

    @classmethod
    def load(cls, mails: Iterable[MailKeys]) -> ThreadIndex:
        index = cls()
        mails = list(mails)
        ids = {mid for mail in mails for mid in mail.all_ids}
        ticket_ids = {tid for mid in ids if (tid := ticket_id_from_message_id(mid)) is not None}
        ticket_ids |= {int(tag) for mail in mails for tag in SUBJECT_TAG.findall(mail.subject)}
        found: list[tuple[str, int, str]] = []
        if ids:
            rows = Message.objects.filter(message_id__in=ids).values_list(
                "message_id", "ticket_id", "inbound_email_id"
            )
            for mid, tid, inbound_email_id in rows:
                if inbound_email_id is None:  # ingested mail is deduplicated by its InboundEmail key
                    index.stored_message_ids.setdefault(mid, tid)
                found.append((mid, tid, "message"))
            refs = ThreadReference.objects.filter(message_id__in=ids).values_list("message_id", "ticket_id")
            found.extend((mid, tid, "reference") for mid, tid in refs)
        index._load_tickets(ticket_ids | {tid for _, tid, _ in found})
        for mid, tid, source in found:
            thread = index.thread_for(tid)
            if thread is None:
                continue
            if source == "message":
                index.by_message_id.setdefault(mid, thread)
            else:
                index._add_reference(mid, thread)
        return index

    def _load_tickets(self, ticket_ids: set[int]) -> None:
        pending = set(ticket_ids) - set(self.threads)
        while pending:
            tickets = Ticket.objects.filter(pk__in=pending).select_related("contact", "company")
            pending = set()
            for ticket in tickets:
                self.threads.setdefault(ticket.pk, Thread(ticket=ticket, new=False))
                if ticket.merged_into_id and ticket.merged_into_id not in self.threads:
                    pending.add(ticket.merged_into_id)
        for thread in self.threads.values():
            target = thread.ticket.merged_into_id
            if thread.absorbed_into is None and target in self.threads and target != thread.ticket.pk:
                thread.absorbed_into = self.threads[target]

    def thread_for(self, ticket_id: int) -> Thread | None:
        thread = self.threads.get(ticket_id)
        return thread.live() if thread is not None else None

    def thread_of_ticket(self, ticket_id: int) -> Thread | None:
        """The thread of a stored ticket, loading it if the batch has not seen it yet."""
        if ticket_id not in self.threads:
            self._load_tickets({ticket_id})
        return self.thread_for(ticket_id)

    def _add_reference(self, message_id: str, thread: Thread) -> None:
        threads = self.by_reference.setdefault(message_id, [])
        if thread not in threads:
            threads.append(thread)

    def _lookup(self, message_id: str) -> list[Thread]:
        ticket_id = ticket_id_from_message_id(message_id)
        signed = self.thread_for(ticket_id) if ticket_id is not None else None
        if signed is not None:
            return [signed]
        stored = self.by_message_id.get(message_id)
        if stored is not None:
            return [stored.live()]
        return [thread.live() for thread in self.by_reference.get(message_id, [])]

    def candidates(self, mail: MailKeys) -> list[tuple[Thread, str]]:
        """Every ticket the mail's headers point at, the strongest first."""
        found: list[tuple[Thread, str]] = []
        for position, parent in enumerate(mail.parents):
            via = "in_reply_to" if position == 0 and parent == mail.in_reply_to else "references"
            found.extend((thread, via) for thread in self._lookup(parent))
        if mail.message_id:
            found.extend((thread.live(), "child") for thread in self.by_reference.get(mail.message_id, []))
        unique: dict[int, tuple[Thread, str]] = {}
        for thread, via in found:
            unique.setdefault(id(thread), (thread, via))
        return list(unique.values())

    def resolve(self, mail: MailKeys) -> Resolution:
        """The ticket for ``mail``, merging tickets it proves to be one conversation."""
        found = self.candidates(mail)
        if not found:
            tagged = self._by_subject_tag(mail)
            return Resolution(tagged, "subject_tag" if tagged else "")
        first = found[0][0]
        if len(found) > 1:
            self._merge([thread for thread, _ in found])
        return Resolution(first.live(), found[0][1])

    def _merge(self, threads: list[Thread]) -> None:
        survivor = min(threads, key=lambda thread: thread.age_key)
        for thread in threads:
            thread = thread.live()
            if thread is survivor or not self._is_mergeable(thread):
                continue
            if not thread.new:
                merge_tickets(
                    source=thread.ticket,
                    target=survivor.ticket,
                    system="ingest",
                    reason="a mail's headers tie both tickets to one conversation",
                )
            thread.absorbed_into = survivor

    def _is_mergeable(self, thread: Thread) -> bool:
        """Only tickets nobody has touched yet are merged automatically."""
        if thread.new:
            return True
        ticket = thread.ticket
        if ticket.pk not in self._mergeable:
            untouched = (
                ticket.status == Ticket.Status.NEW
                and ticket.assignee_id is None
                and ticket.merged_into_id is None
                and not ticket.messages.exclude(direction=Message.Direction.INBOUND).exists()
            )
            self._mergeable[ticket.pk] = untouched
        return self._mergeable[ticket.pk]

    def _by_subject_tag(self, mail: MailKeys) -> Thread | None:
        for tag in SUBJECT_TAG.findall(mail.subject):
            thread = self.thread_for(int(tag))
            if thread is not None and not thread.new and self._is_participant(thread.ticket, mail.sender):
                return thread
        return None

    def _is_participant(self, ticket: Ticket, sender: str) -> bool:
        """A subject tag is trusted only from someone already in the conversation or their company."""
        if not sender:
            return False
        if ticket.contact.email == sender:
            return True
        domain = sender.rpartition("@")[2]
        if ticket.company is not None and ticket.company.domain and ticket.company.domain.lower() == domain:
            return True
        if ticket.pk not in self._participants:
            people: set[str] = set()
            for from_address, to, cc in ticket.messages.values_list(
                "from_address", "to_addresses", "cc_addresses"
            ):
                people.add(from_address.lower())
                people.update(str(address).lower() for address in [*(to or []), *(cc or [])])
            self._participants[ticket.pk] = people
        return sender in self._participants[ticket.pk]

    def new_thread(self, ticket: Ticket) -> Thread:
        return Thread(ticket=ticket, new=True)

    def register(self, thread: Thread, mail: MailKeys) -> None:
        """Remember the mail's ids so later mail of the batch finds this ticket."""
        if mail.message_id:
            self.by_message_id.setdefault(mail.message_id, thread)
        for mid in mail.parents:
            if thread not in self.by_reference.get(mid, []):
                self._add_reference(mid, thread)
                self.new_references.append((thread, mid))

    def reference_rows(self) -> list[ThreadReference]:
        rows: dict[tuple[int, str], ThreadReference] = {}
        for thread, mid in self.new_references:
            ticket = thread.live().ticket
            rows.setdefault((int(ticket.pk), mid), ThreadReference(ticket=ticket, message_id=mid))
        return list(rows.values())
