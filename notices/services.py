"""A notice's life, each step audited: create (the audience is built and screened at once), draft every
included recipient's text, review the sample, approve, queue. Nothing is queued before a supervisor
approved the batch, and approval is refused while a sampled text is unreviewed.

Drafting and queueing run as tasks on the ``bulk`` cluster (``notices.tasks``); each is idempotent by
the recipients' status and the outbound idempotency key, so a repeated task does nothing twice.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from drafts.compose import ComposeError
from drafts.notices import NoticeText, Voices, draft_notice, notice_language
from helpdesk import bulk_sql, roles
from helpdesk.audit import audit
from integrations import get_connector
from integrations.base import Connector, ConnectorError, Customer, Order, Product
from notices import abtest, audience
from notices.models import Notice, Recipient
from notices.queueing import BATCH, queue_recipients

if TYPE_CHECKING:
    from django.contrib.auth.models import User

CLUSTER = "bulk"


class NoticeError(Exception):
    """A notice action was refused; ``str`` says why, in the user's language."""


def _require_supervisor(user: User) -> None:
    if not roles.is_supervisor(user):
        raise NoticeError(_("Only supervisors send notices."))


def create_notice(*, user: User, connector: Connector | None = None, **fields: Any) -> Notice:
    """A new notice with its audience built and screened (who is excluded, and why)."""
    _require_supervisor(user)
    notice = Notice(created_by=user, **fields)
    found = audience.candidates(
        kind=notice.kind,
        connector=connector or get_connector(),
        min_days=notice.min_days,
        sku=notice.sku,
        pasted=notice.pasted,
    )
    members = audience.screen(found, purpose=notice.purpose)
    with transaction.atomic():
        notice.counts = audience.summary(members)
        notice.save()
        _insert_recipients(notice, members)
        audit(action="notice.created", obj=notice, actor=user, data={"kind": notice.kind, **notice.counts})
    return notice


def _insert_recipients(notice: Notice, members: list[audience.Member]) -> None:
    """Every member as a recipient, one INSERT per batch with bound arrays (``helpdesk.bulk_sql``):
    an audience of thousands is written without a model instance per row, the columns every row
    shares (the notice, the empty texts) sent once."""
    varying = [_RECIPIENT_FIELDS[name] for name in _AUDIENCE_FIELDS]
    blank = Recipient(notice=notice, status=Recipient.Status.INCLUDED)
    same = [
        (field, field.get_db_prep_save(field.pre_save(blank, True), connection))
        for field in Recipient._meta.concrete_fields
        if not field.primary_key and field.name not in _AUDIENCE_FIELDS
    ]
    orders = _RECIPIENT_FIELDS["order_numbers"]
    for start in range(0, len(members), BATCH * 4):
        rows = [
            [*_recipient_values(member), orders.get_db_prep_save(member.candidate.orders, connection)]
            for member in members[start : start + BATCH * 4]
        ]
        bulk_sql.insert_rows(Recipient, varying, rows, same=same)


_AUDIENCE_FIELDS = (
    "address",
    "contact",
    "customer_number",
    "name",
    "language",
    "status",
    "reason",
    "detail",
    "order_numbers",
)


def _recipient_values(member: audience.Member) -> list[Any]:
    """The values of ``_AUDIENCE_FIELDS`` but the orders, in that order."""
    candidate, contact = member.candidate, member.contact
    return [
        candidate.address,
        contact.id if contact else None,
        candidate.customer_number,
        (contact.name if contact and contact.name else candidate.name)[:200],
        (contact.language if contact else "") or candidate.language,
        Recipient.Status.EXCLUDED if member.excluded else Recipient.Status.INCLUDED,
        member.reason,
        member.detail,
    ]


def start_drafting(*, notice: Notice, user: User) -> None:
    _require_supervisor(user)
    if not Notice.objects.filter(pk=notice.pk, status=Notice.Status.AUDIENCE).update(
        status=Notice.Status.DRAFTING
    ):
        raise NoticeError(_("This notice is already being drafted."))
    notice.status = Notice.Status.DRAFTING
    audit(action="notice.drafting", obj=notice, actor=user, data={})
    transaction.on_commit(lambda: async_task("notices.tasks.draft_notice", notice.pk, cluster=CLUSTER))


def draft_texts(*, notice_id: int, connector: Connector | None = None) -> int:
    """Write the text of every included recipient still without one, then pick the review sample.
    Returns how many texts were written."""
    notice = Notice.objects.get(pk=notice_id)
    if notice.status != Notice.Status.DRAFTING:
        return 0
    writer = _Writer(notice, connector or get_connector())
    written, saving = 0, _Saving()
    # Batch by batch (memory stays flat in the audience's size): each batch's orders and customers
    # are read in one lookup each, and its texts written in one UPDATE. On PostgreSQL the UPDATE is
    # sent in pipeline mode and runs while the next batch is drafted, which needs no database (that
    # batch and its ERP records are read before; a lookup of a record the batch's lookup missed
    # waits for the UPDATE first).
    batch = writer.read(after=0)
    try:
        while batch:
            rows = writer.write_batch(batch, settle=saving.finish)
            saving.finish()
            following = writer.read(after=batch[-1].pk)
            saving = _save_texts(rows)
            written += len(batch)
            batch = following
    finally:
        saving.finish()  # also when drafting failed: the texts drafted before are stored
    _pick_sample(notice)
    Notice.objects.filter(pk=notice.pk, status=Notice.Status.DRAFTING).update(status=Notice.Status.REVIEW)
    audit(action="notice.drafted", obj=notice, system="ai:embedded", data={"texts": written})
    return written


_RECIPIENT_FIELDS = {field.name: field for field in Recipient._meta.concrete_fields}
_TEXT_FIELDS = [
    _RECIPIENT_FIELDS[name]
    for name in (
        "status",
        "subject",
        "subjects",
        "body",
        "citations",
        "claims",
        "flags",
        "language",
        "detail",
    )
]


# What drafting reads of an included recipient (``_Writer.read``; the benchmark's pipeline alone reads
# the same): the texts, still blank, and the review's fields stay in the database (reading whole rows,
# their empty JSON fields decoded, took about a fifth of the time the batch's ERP lookups take).
DRAFTING_READS = ("notice_id", "status", "customer_number", "name", "language", "order_numbers", "detail")
_BLANK_TEXT = {
    **{field.attname: field.get_default() for field in _TEXT_FIELDS},
    "status": Recipient.Status.FAILED,
}


class _Saving:
    """A batch's texts on their way to the database (``bulk_sql.Pipelined``), or nothing pending."""

    def __init__(self, pipelined: bulk_sql.Pipelined | None = None) -> None:
        self.pipelined = pipelined

    def finish(self) -> None:
        """Wait until the texts are stored (committed, unless the caller holds a transaction); raises
        the database's error when they could not be. Again: nothing."""
        pipelined, self.pipelined = self.pipelined, None
        if pipelined is not None:
            pipelined.finish()


def _save_texts(rows: list[bytes]) -> _Saving:
    """One UPDATE for the batch's texts (``_text_row``; Django's ``bulk_update`` writes a CASE per
    field and row, which cost more than drafting the batch). On PostgreSQL the rows go as one JSON
    document (``bulk_sql.update_from_json``), and the UPDATE is sent in pipeline mode: ``finish`` the
    returned ``_Saving`` before the connection is used again. Elsewhere one UPDATE per row, done when
    this returns."""
    if connection.vendor == "postgresql":
        return _Saving(bulk_sql.update_from_json(Recipient, _TEXT_FIELDS, rows))
    values = [orjson.loads(row) for row in rows]
    prepared = [
        [field.get_db_prep_save(value[field.attname], connection) for field in _TEXT_FIELDS] + [value["id"]]
        for value in values
    ]
    bulk_sql.update_rows(Recipient, _TEXT_FIELDS, prepared)
    return _Saving()


def _text_row(recipient: Recipient, text: NoticeText | None, error: str = "") -> bytes:
    """The recipient's values of ``_TEXT_FIELDS`` (and its key) as ``_save_texts`` writes them: its
    drafted text, or without one the failure. Encoded at once, so until the batch is stored a text
    is one bytes object, not the hundred lists and dicts of its facts and claims, which outlived
    the youngest generation and made the garbage collector walk them again and again (a tenth of
    drafting's time)."""
    if text is None:  # an included recipient has no text yet: the text fields stay blank
        values = {**_BLANK_TEXT, "language": recipient.language, "detail": error[:300]}
    else:
        values = {
            "status": Recipient.Status.DRAFTED,
            "subject": text.subject[:998],
            "subjects": [subject[:998] for subject in text.subjects],
            "body": text.body,
            "citations": text.citations,
            "claims": text.claims,
            "flags": text.flags,
            "language": text.language,
            "detail": recipient.detail,
        }
    return orjson.dumps({**values, "id": recipient.pk}, option=orjson.OPT_NON_STR_KEYS)


def _nothing() -> None:
    return None


class _Writer:
    """Drafts recipients' texts with one connector, the brand voices and the product read once."""

    def __init__(self, notice: Notice, connector: Connector) -> None:
        self.notice, self.connector, self.voices = notice, connector, Voices()
        self.product: Product | None = connector.get_product(notice.sku) if notice.sku else None
        self.orders: dict[str, Order] = {}
        self.customers: dict[str, Customer] = {}
        self.settle: Callable[[], None] = _nothing

    def read(self, *, after: int) -> list[Recipient]:
        """The next batch of included recipients after the key ``after``, with its orders and
        customers read at once (kept for ``write_batch``); when that fails, each recipient asks for
        its own as it is drafted (and fails alone, with the ERP's reason)."""
        batch = list(
            Recipient.objects.filter(notice=self.notice, status=Recipient.Status.INCLUDED, pk__gt=after)
            .only(*DRAFTING_READS)
            .order_by("pk")[:BATCH]
        )
        try:
            self.orders = {
                order.number: order
                for order in self.connector.orders([n for r in batch for n in r.order_numbers])
            }
            numbers = [r.customer_number for r in batch if r.customer_number]
            self.customers = {customer.number: customer for customer in self.connector.customers(numbers)}
        except ConnectorError:
            self.orders, self.customers = {}, {}
        return batch

    def write_batch(self, batch: list[Recipient], *, settle: Callable[[], None] = _nothing) -> list[bytes]:
        """Every recipient's text, from the records ``read`` found; ``settle`` runs before anything
        else here uses the database (a lookup of a record those missed, the brand voices)."""
        self.settle = settle
        try:
            return [self.write(recipient) for recipient in batch]
        finally:
            self.orders, self.customers, self.settle = {}, {}, _nothing

    def write(self, recipient: Recipient) -> bytes:
        """The recipient's text row (``_text_row``)."""
        try:
            orders = [self._order(number) for number in recipient.order_numbers]
            customer = self._customer(recipient)
            language = notice_language(contact_language=recipient.language, customer=customer)
            if not self.voices.by_language:
                self.settle()  # the voices are read on first use
            text = draft_notice(
                kind=self.notice.kind,
                name=recipient.name,
                language=language,
                customer=customer,
                orders=orders,
                product=self.product,
                message=self.notice.message,
                voices=self.voices,
            )
        except (ConnectorError, ComposeError) as error:
            return _text_row(recipient, None, str(error))
        return _text_row(recipient, text)

    def _order(self, number: str) -> Order:
        order = self.orders.get(number)
        if order is not None:
            return order
        self.settle()
        return self.connector.get_order(number)

    def _customer(self, recipient: Recipient) -> Customer | None:
        if not recipient.customer_number:
            return None
        customer = self.customers.get(recipient.customer_number)
        if customer is not None:
            return customer
        self.settle()
        return self.connector.find_customer(number=recipient.customer_number)


def _pick_sample(notice: Notice) -> None:
    """Every flagged text, and ``sample_size`` others chosen at random, wait for a supervisor."""
    drafted = list(
        Recipient.objects.filter(notice=notice, status=Recipient.Status.DRAFTED).values_list("pk", "flags")
    )
    flagged = [pk for pk, flags in drafted if flags]
    clean = [pk for pk, flags in drafted if not flags]
    chosen = random.Random(notice.pk).sample(clean, min(notice.sample_size, len(clean)))
    Recipient.objects.filter(pk__in=[*flagged, *chosen]).update(in_sample=True)


def review_recipient(*, recipient: Recipient, user: User, keep: bool) -> Recipient:
    """A supervisor read a sampled text: keep it, or leave this recipient out of the notice."""
    _require_supervisor(user)
    if recipient.notice.status != Notice.Status.REVIEW or recipient.status != Recipient.Status.DRAFTED:
        raise NoticeError(_("This text can no longer be reviewed."))
    recipient.reviewed_by, recipient.reviewed_at = user, timezone.now()
    if not keep:
        recipient.status = Recipient.Status.REJECTED
    recipient.save(update_fields=["reviewed_by", "reviewed_at", "status"])
    audit(
        action="notice.reviewed",
        obj=recipient.notice,
        actor=user,
        data={"recipient": recipient.pk, "address": recipient.address, "kept": keep},
    )
    return recipient


def unreviewed(notice: Notice) -> int:
    return Recipient.objects.filter(
        notice=notice, in_sample=True, reviewed_at__isnull=True, status=Recipient.Status.DRAFTED
    ).count()


def approve_notice(*, notice: Notice, user: User) -> None:
    """Approve the batch once the whole sample is reviewed; the texts are then queued (a task)."""
    _require_supervisor(user)
    left = unreviewed(notice)
    if left:
        raise NoticeError(
            _("Review the sample first: %(count)d texts are not reviewed yet.") % {"count": left}
        )
    now = timezone.now()
    if not Notice.objects.filter(pk=notice.pk, status=Notice.Status.REVIEW).update(
        status=Notice.Status.APPROVED, approved_by=user, approved_at=now
    ):
        raise NoticeError(_("Only a notice waiting for review can be approved."))
    notice.status, notice.approved_by, notice.approved_at = Notice.Status.APPROVED, user, now
    audit(action="notice.approved", obj=notice, actor=user, data={})
    transaction.on_commit(lambda: async_task("notices.tasks.queue_notice", notice.pk, cluster=CLUSTER))


def cancel_notice(*, notice: Notice, user: User) -> None:
    _require_supervisor(user)
    open_states = [Notice.Status.AUDIENCE, Notice.Status.DRAFTING, Notice.Status.REVIEW]
    if not Notice.objects.filter(pk=notice.pk, status__in=open_states).update(status=Notice.Status.CANCELLED):
        raise NoticeError(_("An approved notice cannot be cancelled here."))
    notice.status = Notice.Status.CANCELLED
    audit(action="notice.cancelled", obj=notice, actor=user, data={})


def decide_tests(now: Any = None) -> int:
    """The minute schedule: decide every A/B test whose wait is over and queue the rest of its notice."""
    decided = 0
    for notice in abtest.due(now):
        if abtest.decide(notice, now) is not None:
            decided += 1
        queue_recipients(notice_id=notice.pk)
    return decided
