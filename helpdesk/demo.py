"""Demo users and tickets for ``seed_demo``: one login per role and customer mail in Swedish and English."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from helpdesk import roles
from helpdesk.models import (
    Calendar,
    Company,
    Contact,
    Message,
    OpeningHours,
    OperatorProfile,
    Queue,
    SlaPolicy,
    Ticket,
)
from helpdesk.sla.deadlines import PolicyBook, deadlines
from integrations.models import ErpCustomer


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    name: str


DEMO_LOGINS = [
    DemoLogin("agent", "agent-demo", roles.AGENT, "Anna Andersson"),
    DemoLogin("supervisor", "supervisor-demo", roles.SUPERVISOR, "Sven Lindqvist"),
    DemoLogin("admin", "admin-demo", roles.ADMIN, "Maja Admin"),
]

# message id, from address, sender name, subject, body, hours ago, status
DEMO_MAIL = [
    (
        "demo-1@bergstrom-bygg.se",
        "inkop@bergstrom-bygg.se",
        "Karin Bergström",
        "Var är min order 100231?",
        "Hej!\n\nVi väntar på order 100231 (EUR-pallar och sträckfilm) till Projekt Kvarnen. "
        "När kommer leveransen?\n\nMvh\nKarin Bergström\nBergström Bygg AB",
        5,
        "new",
    ),
    (
        "demo-2@fjordtrade.no",
        "logistics@fjordtrade.no",
        "Ola Nordmann",
        "Delivery date for order 100245",
        "Hello,\n\nCould you confirm when order 100245 will be delivered to our Oslo warehouse?\n\n"
        "Best regards,\nOla Nordmann\nFjord Trade AS",
        3,
        "new",
    ),
    (
        "demo-3@malmoemballage.se",
        "order@malmoemballage.se",
        "Per Holm",
        "Har ni EUR-pallar i lager?",
        "Hej,\n\nHar ni 300 st PAL-EUR-1200 i lager för leverans nästa vecka?\n\nTack,\nPer Holm",
        8,
        "new",
    ),
    (
        "demo-4@nordicparts.fi",
        "mikko.virtanen@nordicparts.fi",
        "Mikko Virtanen",
        "Quote request: stretch film and boxes",
        "Hi,\n\nPlease send us a quote for 500 rolls of FILM-STR-500 and 2000 pcs BOX-CORR-4030.\n\n"
        "Kind regards,\nMikko Virtanen\nNordic Parts Oy",
        26,
        "open",
    ),
    (
        "demo-5@bergstrom-bygg.se",
        "karin.bergstrom@bergstrom-bygg.se",
        "Karin Bergström",
        "Kopia på faktura 55015",
        "Hej,\n\nKan ni skicka en kopia på faktura 55015? Vi hittar den inte.\n\nMvh Karin",
        30,
        "open",
    ),
    (
        "demo-6@malmoemballage.se",
        "order@malmoemballage.se",
        "Per Holm",
        "Skadat gods i order 100238",
        "Hej,\n\n40 av lådorna i order 100238 var krossade vid leverans. Det här är inte acceptabelt, "
        "vi vill ha en kreditering omgående.\n\nPer Holm\nMalmö Emballage AB",
        50,
        "open",
    ),
    (
        "demo-7@kirunagruvservice.se",
        "inkop@kirunagruvservice.se",
        "Lars Nilsson",
        "Ny leveransadress för order 100266",
        "Hej,\n\nVi behöver ändra leveransadressen för order 100266 till Lastvägen 9, 981 38 Kiruna.\n\nLars",
        2,
        "new",
    ),
    (
        "demo-8@dansklager.dk",
        "indkob@dansklager.dk",
        "Mette Jensen",
        "Thermal labels order 100259",
        "Hi,\n\nJust checking that order 100259 is on its way.\n\nThanks,\nMette",
        72,
        "resolved",
    ),
]


@transaction.atomic
def seed_helpdesk() -> dict[str, int]:
    """Create demo users, queues, companies, contacts and tickets that do not exist yet."""
    created = {"users": 0, "tickets": 0}
    for login in DEMO_LOGINS:
        created["users"] += _ensure_user(login)
    queue, _ = Queue.objects.get_or_create(slug="support", defaults={"name": "Support"})
    queue.members.add(*User.objects.filter(username__in=[login.username for login in DEMO_LOGINS]))
    _ensure_service_levels(queue)
    for customer in ErpCustomer.objects.all():
        domain = customer.email.rsplit("@", 1)[1]
        Company.objects.get_or_create(
            erp_customer_number=customer.number, defaults={"name": customer.name, "domain": domain}
        )
    for message_id, address, name, subject, body, hours_ago, status in DEMO_MAIL:
        created["tickets"] += _ensure_ticket(
            message_id=f"<{message_id}>",
            address=address,
            name=name,
            subject=subject,
            body=body,
            at=timezone.now() - dt.timedelta(hours=hours_ago),
            status=status,
            queue=queue,
        )
    return created


# Demo SLA targets per priority, in business minutes: (first response, resolution).
DEMO_TARGETS = {
    Ticket.Priority.URGENT: (60, 240),
    Ticket.Priority.HIGH: (120, 540),
    Ticket.Priority.NORMAL: (240, 1620),
    Ticket.Priority.LOW: (540, 2700),
}


def _ensure_service_levels(queue: Queue) -> None:
    """A Swedish office calendar (weekdays 08-17, Swedish holidays) for the demo queue, and SLA
    targets for every priority of every queue, unless an admin has set them already."""
    calendar, new = Calendar.objects.get_or_create(
        name="Stockholm office", defaults={"time_zone": "Europe/Stockholm", "country": "SE"}
    )
    if new:
        OpeningHours.objects.bulk_create(
            OpeningHours(calendar=calendar, weekday=day, opens=dt.time(8), closes=dt.time(17))
            for day in range(5)
        )
    if queue.calendar_id is None:
        Queue.objects.filter(pk=queue.pk).update(calendar=calendar)
        queue.calendar = calendar
    if not SlaPolicy.objects.exists():
        SlaPolicy.objects.bulk_create(
            SlaPolicy(queue=None, priority=priority, first_response_minutes=first, resolution_minutes=resolve)
            for priority, (first, resolve) in DEMO_TARGETS.items()
        )


def _ensure_user(login: DemoLogin) -> int:
    user, new = User.objects.get_or_create(username=login.username)
    if new:
        first, _, last = login.name.partition(" ")
        user.first_name, user.last_name = first, last
        user.email = f"{login.username}@nordlager.example"
        user.is_staff = login.role == roles.ADMIN
        user.is_superuser = login.role == roles.ADMIN
        user.set_password(login.password)
        user.save()
        user.groups.add(Group.objects.get(name=login.role))
        OperatorProfile.objects.get_or_create(user=user)
    return int(new)


def _ensure_ticket(
    *,
    message_id: str,
    address: str,
    name: str,
    subject: str,
    body: str,
    at: dt.datetime,
    status: str,
    queue: Queue,
) -> int:
    if Message.objects.filter(message_id=message_id).exists():
        return 0
    company = Company.objects.filter(domain=address.rsplit("@", 1)[1]).first()
    contact, _ = Contact.objects.get_or_create(
        email=address,
        defaults={"name": name, "company": company, "language": "sv" if ".se" in address else "en"},
    )
    ticket = Ticket(
        subject=subject,
        status=status,
        contact=contact,
        company=company,
        queue=queue,
        language=contact.language,
        created_at=at,
        last_activity_at=at,
    )
    if status not in (Ticket.Status.NEW, Ticket.Status.OPEN):
        ticket.sla_paused_at = at  # waiting or solved: the clock stands still
    if ticket.is_closed:
        ticket.resolved_at = at
    for name, value in deadlines(ticket, PolicyBook.load([queue.pk])).items():
        setattr(ticket, name, value)
    ticket.save()
    Message.objects.create(
        ticket=ticket,
        direction=Message.Direction.INBOUND,
        contact=contact,
        from_address=address,
        to_addresses=["support@nordlager.example"],
        subject=subject,
        message_id=message_id,
        body_text=body,
        visible_text=body,
        # Demo mail never passed a mail server; it stands for mail from customers whose domains sign.
        sender_auth={"verdict": "pass", "source": "demo", "from_domain": address.rsplit("@", 1)[1]},
        created_at=at,
    )
    return 1
