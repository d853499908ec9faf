"""A notice's life, each step audited: create (the audience is built and screened at once), draft every
included recipient's text, review the sample, approve, queue. Nothing is queued before a supervisor
approved the batch, and approval is refused while a sampled text is unreviewed.

Drafting and queueing run as tasks on the ``bulk`` cluster (``notices.tasks``); each is idempotent by
the recipients' status and the outbound idempotency key, so a repeated task does nothing twice.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from delivery import unsubscribe
from delivery.models import OutboundMessage
from delivery.services import enqueue_send, queue_reply
from drafts.compose import ComposeError
from drafts.notices import NoticeText, Voices, draft_notice, notice_language
from helpdesk import roles, tickets
from helpdesk.audit import audit
from integrations import get_connector
from integrations.base import Connector, ConnectorError, Customer, Product
from notices import abtest, audience
from notices.models import Notice, Recipient

if TYPE_CHECKING:
    from django.contrib.auth.models import User

BATCH = 500
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
        Recipient.objects.bulk_create((_recipient(notice, member) for member in members), batch_size=BATCH)
        audit(action="notice.created", obj=notice, actor=user, data={"kind": notice.kind, **notice.counts})
    return notice


def _recipient(notice: Notice, member: audience.Member) -> Recipient:
    candidate = member.candidate
    return Recipient(
        notice=notice,
        address=candidate.address,
        contact=member.contact,
        customer_number=candidate.customer_number,
        name=(member.contact.name if member.contact and member.contact.name else candidate.name)[:200],
        language=(member.contact.language if member.contact else "") or candidate.language,
        order_numbers=candidate.orders,
        status=Recipient.Status.EXCLUDED if member.excluded else Recipient.Status.INCLUDED,
        reason=member.reason,
        detail=member.detail,
    )


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
    connector = connector or get_connector()
    writer = _Writer(notice, connector)
    written = 0
    pending = Recipient.objects.filter(notice=notice, status=Recipient.Status.INCLUDED).order_by("pk")
    while batch := list(pending[:BATCH]):
        for recipient in batch:
            writer.write(recipient)
        Recipient.objects.bulk_update(
            batch,
            ["status", "subject", "subjects", "body", "citations", "claims", "flags", "language", "detail"],
        )
        written += len(batch)
    _pick_sample(notice)
    Notice.objects.filter(pk=notice.pk, status=Notice.Status.DRAFTING).update(status=Notice.Status.REVIEW)
    audit(action="notice.drafted", obj=notice, system="ai:embedded", data={"texts": written})
    return written


class _Writer:
    """Drafts recipients' texts with one connector, the brand voices and the product read once."""

    def __init__(self, notice: Notice, connector: Connector) -> None:
        self.notice, self.connector, self.voices = notice, connector, Voices()
        self.product: Product | None = connector.get_product(notice.sku) if notice.sku else None

    def write(self, recipient: Recipient) -> None:
        try:
            orders = [self.connector.get_order(number) for number in recipient.order_numbers]
            customer = self._customer(recipient)
            language = notice_language(contact_language=recipient.language, customer=customer)
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
            recipient.status, recipient.detail = Recipient.Status.FAILED, str(error)[:300]
            return
        _store(recipient, text)

    def _customer(self, recipient: Recipient) -> Customer | None:
        if not recipient.customer_number:
            return None
        return self.connector.find_customer(number=recipient.customer_number)


def _store(recipient: Recipient, text: NoticeText) -> None:
    recipient.status = Recipient.Status.DRAFTED
    recipient.subject = text.subject[:998]
    recipient.subjects = [subject[:998] for subject in text.subjects]
    recipient.body = text.body
    recipient.language = text.language
    recipient.citations = text.citations
    recipient.claims = text.claims
    recipient.flags = text.flags


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


def queue_recipients(*, notice_id: int) -> int:
    """Each drafted recipient of an approved notice becomes one bulk ``OutboundMessage`` on a ticket
    of its own. Returns how many were queued."""
    notice = Notice.objects.get(pk=notice_id)
    if notice.status != Notice.Status.APPROVED:
        return 0
    abtest.split(notice)
    queued = 0
    pending = Recipient.objects.filter(notice=notice, status=Recipient.Status.DRAFTED).select_related(
        "contact"
    )
    while batch := list(pending.order_by("pk")[:BATCH]):
        with transaction.atomic():
            queued += sum(_queue_one(notice, recipient) is not None for recipient in batch)
            enqueue_send(OutboundMessage.Stream.BULK)  # one send task per batch, not one per message
    return queued


def _queue_one(notice: Notice, recipient: Recipient) -> OutboundMessage | None:
    contact = recipient.contact
    if contact is None:  # screened in with a contact that was erased meanwhile: left out
        Recipient.objects.filter(pk=recipient.pk).update(status=Recipient.Status.REJECTED)
        return None
    ticket = tickets.open_outbound_ticket(
        contact=contact, subject=recipient.subject, language=recipient.language, system="notices"
    )
    body = recipient.body + unsubscribe.footer(recipient.address, notice.purpose, recipient.language)
    outbound = queue_reply(
        ticket=ticket,
        in_reply_to=None,
        to=[recipient.address],
        subject=recipient.subject,
        body=body,
        idempotency_key=f"notice:{notice.pk}:{recipient.pk}",
        stream=OutboundMessage.Stream.BULK,
        purpose=notice.purpose,
        automatic=True,
        headers=unsubscribe.headers(recipient.address, notice.purpose),
        notify=False,
    )
    Recipient.objects.filter(pk=recipient.pk).update(status=Recipient.Status.QUEUED, outbound=outbound)
    return outbound


def decide_tests(now: Any = None) -> int:
    """The minute schedule: decide every A/B test whose wait is over and queue the rest of its notice."""
    decided = 0
    for notice in abtest.due(now):
        if abtest.decide(notice, now) is not None:
            decided += 1
        queue_recipients(notice_id=notice.pk)
    return decided
