"""factory_boy factories shared by the test suite."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth.models import Group, User

from helpdesk.mail.sender_auth import FROM_HEADER, PASS, SenderAuth
from helpdesk.models import Company, Contact, Message, Queue, Ticket

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@nordlager.example")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(user: User, create: bool, extracted: str | None, **kwargs: Any) -> None:
        if create and extracted:
            # get_or_create: transactional (browser) tests flush the groups the data migration made.
            user.groups.add(Group.objects.get_or_create(name=extracted)[0])
        if create:
            user.save()


class CompanyFactory(factory.django.DjangoModelFactory[Company]):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Kund {n} AB")
    domain = factory.Sequence(lambda n: f"kund{n}.example")


class ContactFactory(factory.django.DjangoModelFactory[Contact]):
    class Meta:
        model = Contact
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"person{n}@kund.example")
    name = factory.Sequence(lambda n: f"Person {n}")


class QueueFactory(factory.django.DjangoModelFactory[Queue]):
    class Meta:
        model = Queue

    name = factory.Sequence(lambda n: f"Queue {n}")
    slug = factory.Sequence(lambda n: f"queue-{n}")


class TicketFactory(factory.django.DjangoModelFactory[Ticket]):
    class Meta:
        model = Ticket

    subject = factory.Sequence(lambda n: f"Question {n}")
    contact = factory.SubFactory(ContactFactory)


class MessageFactory(factory.django.DjangoModelFactory[Message]):
    class Meta:
        model = Message

    ticket = factory.SubFactory(TicketFactory)
    direction = Message.Direction.INBOUND
    from_address = factory.LazyAttribute(lambda m: m.ticket.contact.email)
    subject = factory.LazyAttribute(lambda m: m.ticket.subject)
    message_id = factory.Sequence(lambda n: f"<m{n}@kund.example>")
    body_text = "Hej, var är min order?"
    visible_text = factory.LazyAttribute(lambda m: m.body_text)
    # Customers in tests write from authenticated addresses unless a test says otherwise.
    sender_auth = factory.LazyAttribute(lambda m: authenticated(m.from_address))


def authenticated(address: str) -> dict[str, object]:
    """The stored verdict of a sender whose receiving server reported DMARC pass."""
    domain = address.rpartition("@")[2].lower()
    return SenderAuth(PASS, FROM_HEADER, from_domain=domain, authserv_id="mx.test", detail="dmarc").as_dict()
