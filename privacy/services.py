"""GDPR actions on a contact: export, erasure, legal hold. Who may: supervisors and admins export,
only admins erase and set or clear a legal hold (docs/decisions.md). Every action is audited with its
actor, a refused erasure too."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk import roles
from helpdesk.audit import audit
from helpdesk.gdpr.base import Subject
from helpdesk.gdpr.rows import message_roles
from helpdesk.models import Contact
from privacy import export, registry

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    Actor = User | AnonymousUser | None


class PrivacyError(Exception):
    """A GDPR action that cannot be done; the message is for people."""


class NotAllowed(PrivacyError):
    pass


class LegalHoldActive(PrivacyError):
    pass


class AlreadyErased(PrivacyError):
    pass


@dataclass(frozen=True)
class Erasure:
    contact_id: int
    pseudonym: str
    counts: dict[str, int]


def can_export(user: Actor) -> bool:
    return roles.is_supervisor(user)


def can_erase(user: Actor) -> bool:
    return roles.is_admin(user)


def subject_for(contact: Contact, *, pseudonym: str = "", actor_label: str = "privacy") -> Subject:
    names = (contact.name.strip(),) if contact.name.strip() else ()
    return Subject(
        contact_id=contact.pk,
        addresses=(contact.email.strip().lower(),),
        names=names,
        pseudonym=pseudonym,
        actor_label=actor_label,
    )


def export_contact(
    *, contact: Contact, actor: Actor, system: str = "", kind: str = "json"
) -> Iterator[bytes]:
    """The export of ``contact`` as a stream of bytes: one JSON document (``kind`` ``json``) or a zip
    with it, the raw mail and the attachments (``zip``). Audited as ``contact.exported`` before the
    first byte. ``system`` names a command acting without a user (then ``actor`` is None)."""
    if not system and not can_export(actor):
        raise NotAllowed(_("Only supervisors and admins may export a contact's data."))
    audit(action="contact.exported", obj=contact, actor=actor, system=system, data={"format": kind})
    subject = subject_for(contact)
    if kind == "zip":
        return export.zip_stream(subject, registry.SECTIONS)
    return export.json_stream(subject, registry.SECTIONS)


def erase_contact(*, contact: Contact, actor: Actor, reason: str, system: str = "") -> Erasure:
    """Remove ``contact``'s personal data from every section, keep the rows, counts and audit events
    under a pseudonym. Refused (and the refusal audited) while a legal hold is set."""
    if not system and not can_erase(actor):
        raise NotAllowed(_("Only admins may erase a contact's personal data."))
    if not reason.strip():
        raise PrivacyError(_("Say why the data is erased (for example the request's reference)."))
    try:
        return _erase(contact=contact, actor=actor, reason=reason, system=system)
    except LegalHoldActive:
        audit(
            action="contact.erasure_refused",
            obj=contact,
            actor=actor,
            system=system,
            data={"why": "legal_hold"},
        )
        raise


@transaction.atomic
def _erase(*, contact: Contact, actor: Actor, reason: str, system: str) -> Erasure:
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    if locked.erased_at is not None:
        raise AlreadyErased(_("This contact's personal data was already erased."))
    if locked.on_legal_hold:
        raise LegalHoldActive(
            _("A legal hold is set on this contact: erasure is refused until it is cleared.")
        )
    label = actor.get_username() if actor is not None and actor.is_authenticated else system or "privacy"
    subject = subject_for(locked, pseudonym=f"erased-{secrets.token_hex(6)}", actor_label=label)
    message_roles(subject)  # found before any section changes an address
    counts = {section.name: section.erase(subject) for section in registry.erasure_order()}
    data = {
        "pseudonym": subject.pseudonym,
        "reason": subject.redact_text(reason.strip())[:500],
        "counts": counts,
    }
    audit(action="contact.erased", obj=locked, actor=actor, system=system, data=data)
    return Erasure(contact_id=locked.pk, pseudonym=subject.pseudonym, counts=counts)


def set_legal_hold(*, contact: Contact, actor: Actor, reason: str, system: str = "") -> Contact:
    """Stop erasure of ``contact`` until the hold is cleared; ``reason`` says why (a case, a claim)."""
    if not system and not can_erase(actor):
        raise NotAllowed(_("Only admins may set or clear a legal hold."))
    if not reason.strip():
        raise PrivacyError(_("Say why the data must be kept."))
    user = actor if actor is not None and actor.is_authenticated else None
    with transaction.atomic():
        Contact.objects.filter(pk=contact.pk).update(
            legal_hold_reason=reason.strip(), legal_hold_by=user, legal_hold_at=timezone.now()
        )
        audit(
            action="contact.legal_hold_set", obj=contact, actor=actor, system=system, data={"reason": reason}
        )
    contact.refresh_from_db()
    return contact


def clear_legal_hold(*, contact: Contact, actor: Actor, system: str = "") -> Contact:
    if not system and not can_erase(actor):
        raise NotAllowed(_("Only admins may set or clear a legal hold."))
    with transaction.atomic():
        Contact.objects.filter(pk=contact.pk).update(
            legal_hold_reason="", legal_hold_by=None, legal_hold_at=None
        )
        audit(action="contact.legal_hold_cleared", obj=contact, actor=actor, system=system, data={})
    contact.refresh_from_db()
    return contact
