"""Escalation when a ticket misses an SLA target: the supervisor is told, the ticket perhaps reassigned.

``escalate_breaches`` is run every minute by the ``mail`` cluster (``helpdesk.tasks``). Each missed
deadline is escalated once: an ``SlaEscalation`` row is unique per ticket, target and deadline, and the
ticket row is locked while it is written, so a second worker or run adds nothing. A deadline that moves
later (a new priority) and is missed again is a new escalation.

The supervisor is the queue's, else every supervisor. They see it on the ticket (an internal note), on
the dashboard, and by mail to their address through Django's mail backend (staff notices, not customer
mail: they do not pass the outbound queue).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from helpdesk import roles
from helpdesk.audit import audit
from helpdesk.models import Message, SlaEscalation, SlaPolicy, Ticket
from helpdesk.sla.deadlines import RUNNING

if TYPE_CHECKING:
    import datetime as dt

    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)
Target = SlaEscalation.Target


@dataclass(frozen=True)
class Notice:
    recipients: list[str]
    language: str
    subject: str
    body: str


def escalate_breaches(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Escalate every running deadline that has passed and was not escalated yet; returns how many."""
    now = now or timezone.now()
    escalated = SlaEscalation.objects.filter(ticket=OuterRef("pk"), due_at=OuterRef("sla_due_at"))
    due = (
        Ticket.objects.filter(status__in=RUNNING, sla_due_at__lte=now, merged_into__isnull=True)
        .exclude(Exists(escalated))
        .order_by("sla_due_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(escalate_ticket(ticket_id=pk, now=now) for pk in list(due))


@transaction.atomic
def escalate_ticket(*, ticket_id: int, now: dt.datetime) -> bool:
    """Escalate the ticket's running deadline if it has passed and nobody did yet."""
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("queue__supervisor", "assignee")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None or ticket.status not in RUNNING or ticket.sla_due_at is None or ticket.sla_due_at > now:
        return False
    target = Target.FIRST_RESPONSE if ticket.first_response_at is None else Target.RESOLUTION
    supervisors = _supervisors(ticket)
    try:
        with transaction.atomic():
            escalation = SlaEscalation.objects.create(
                ticket=ticket,
                target=target,
                due_at=ticket.sla_due_at,
                escalated_at=now,
                notified=[user.get_username() for user in supervisors],
            )
    except IntegrityError:
        return False  # escalated meanwhile
    reassign_to = _reassign_to(ticket)
    if reassign_to is not None:
        Ticket.objects.filter(pk=ticket.pk).update(assignee=reassign_to, updated_at=now)
        audit(
            action="ticket.assigned",
            obj=ticket,
            system="sla",
            data={"from": ticket.assignee_id, "to": reassign_to.pk},
        )
        escalation.reassigned_to = reassign_to
        escalation.save(update_fields=["reassigned_to"])
    _note(ticket, escalation, supervisors, reassign_to, now)
    audit(
        action="ticket.sla_escalated",
        obj=ticket,
        system="sla",
        data={
            "target": target,
            "due_at": ticket.sla_due_at.isoformat(),
            "notified": escalation.notified,
            "reassigned_to": reassign_to.pk if reassign_to else None,
        },
    )
    notices = [_notice(ticket, escalation, user) for user in supervisors if user.email]
    transaction.on_commit(lambda: _send(notices))
    return True


def _supervisors(ticket: Ticket) -> list[User]:
    """The queue's supervisor, else every active supervisor."""
    supervisor = ticket.queue.supervisor if ticket.queue_id and ticket.queue else None
    if supervisor is not None and supervisor.is_active:
        return [supervisor]
    users = get_user_model().objects.filter(is_active=True, groups__name=roles.SUPERVISOR).distinct()
    return list(users.select_related("profile").order_by("pk"))


def _reassign_to(ticket: Ticket) -> User | None:
    """The policy's "reassign to" user, when there is one, active, and not already the assignee."""
    own = SlaPolicy.objects.filter(queue=ticket.queue, priority=ticket.priority) if ticket.queue_id else None
    policy = (own.first() if own is not None else None) or (
        SlaPolicy.objects.filter(queue__isnull=True, priority=ticket.priority).first()
    )
    user = policy.reassign_to if policy is not None and policy.reassign_to_id else None
    if user is None or not user.is_active or user.pk == ticket.assignee_id:
        return None
    return user


def _what(escalation: SlaEscalation) -> str:
    if escalation.target == Target.FIRST_RESPONSE:
        return _("The first response target was missed")
    return _("The resolution target was missed")


def _note(
    ticket: Ticket,
    escalation: SlaEscalation,
    supervisors: list[User],
    reassign_to: User | None,
    now: dt.datetime,
) -> None:
    """An internal note on the ticket, in the product's default language."""
    with translation.override(None):
        due = timezone.localtime(escalation.due_at).strftime("%Y-%m-%d %H:%M")
        text = _("%(what)s (due %(due)s).") % {"what": _what(escalation), "due": due}
        names = ", ".join(user.get_full_name() or user.get_username() for user in supervisors)
        if names:
            text += " " + _("Escalated to %(names)s.") % {"names": names}
        if reassign_to is not None:
            who = reassign_to.get_full_name() or reassign_to.get_username()
            text += " " + _("Reassigned to %(name)s.") % {"name": who}
    Message.objects.create(
        ticket=ticket, direction=Message.Direction.NOTE, body_text=text, visible_text=text, created_at=now
    )


def _notice(ticket: Ticket, escalation: SlaEscalation, user: User) -> Notice:
    profile = getattr(user, "profile", None)
    language = getattr(profile, "language", "") or translation.get_language() or "en"
    with translation.override(language):
        subject = _("[#%(id)s] %(what)s: %(subject)s") % {
            "id": ticket.pk,
            "what": _what(escalation),
            "subject": ticket.subject,
        }
        due = timezone.localtime(escalation.due_at).strftime("%Y-%m-%d %H:%M")
        body = _("Ticket #%(id)s (%(subject)s) was due at %(due)s and is escalated to you.") % {
            "id": ticket.pk,
            "subject": ticket.subject,
            "due": due,
        }
    return Notice(recipients=[user.email], language=language, subject=subject[:200], body=body)


def _send(notices: list[Notice]) -> None:
    """Staff notices after the commit; a mail server that fails is logged, the escalation stays."""
    if not notices:
        return
    try:
        send_mass_mail([(n.subject, n.body, None, n.recipients) for n in notices], fail_silently=False)
    except Exception:  # any transport error: the note and the dashboard still show the escalation
        logger.exception("SLA escalation notices could not be sent")
