"""Consent records: the one writer (``record_consent``, audited) and the reads every bulk send relies on.

The latest record per contact and purpose wins; earlier ones stay as the history. A contact without any
record for a purpose has not consented to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk import limits
from helpdesk.audit import audit
from helpdesk.bulk_sql import AnyOf
from helpdesk.models import ConsentRecord, Contact, Purpose

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


class ConsentError(Exception):
    """A consent change was refused; ``str`` says why."""


def record_consent(
    *,
    contact: Contact,
    purpose: str,
    granted: bool,
    source: str,
    evidence: str = "",
    actor: User | AnonymousUser | None = None,
    system: str = "",
) -> ConsentRecord:
    """Record that ``contact`` granted (or withdrew) consent for ``purpose``; it is the current answer
    from now on. Runs in the caller's transaction, with its audit event."""
    if purpose not in Purpose.values:
        raise ConsentError(_("Unknown purpose: %(purpose)s.") % {"purpose": purpose})
    if source not in ConsentRecord.Source.values:
        raise ConsentError(_("Unknown source: %(source)s.") % {"source": source})
    evidence = evidence.strip()
    if len(evidence) > limits.REJECT_REASON:
        raise ConsentError(
            _("The evidence is longer than %(limit)d characters.") % {"limit": limits.REJECT_REASON}
        )
    user = actor if actor is not None and actor.is_authenticated else None
    record = ConsentRecord.objects.create(
        contact=contact,
        purpose=purpose,
        granted=granted,
        source=source,
        evidence=evidence,
        actor=user,
        actor_label=user.get_username() if user is not None else (system or "system"),
        created_at=timezone.now(),
    )
    audit(
        action="consent.granted" if granted else "consent.withdrawn",
        obj=record,
        actor=user,
        system=system,
        data={"contact": contact.pk, "purpose": purpose, "source": source, "evidence": evidence[:500]},
    )
    return record


def _latest_granted(purpose: str) -> Subquery:
    return Subquery(
        ConsentRecord.objects.filter(contact=OuterRef("pk"), purpose=purpose)
        .order_by("-created_at", "-pk")
        .values("granted")[:1]
    )


def consenting(contacts: QuerySet[Contact], *, purpose: str) -> QuerySet[Contact]:
    """``contacts`` narrowed to those whose latest record for ``purpose`` grants it (one query)."""
    return contacts.annotate(consent=_latest_granted(purpose)).filter(consent=True)


def consented_contacts(contact_ids: Iterable[int], *, purpose: str) -> set[int]:
    """Which of ``contact_ids`` have current consent for ``purpose``: one query."""
    ids = list(contact_ids)
    if not ids:
        return set()
    rows = consenting(Contact.objects.filter(pk__in=ids), purpose=purpose)
    return set(rows.values_list("pk", flat=True))


def consented_addresses(addresses: Iterable[str], *, purposes: Iterable[str]) -> set[tuple[str, str]]:
    """The (address, purpose) pairs among ``addresses`` x ``purposes`` with current consent: one query
    per purpose (the gate asks once per batch)."""
    normal = sorted({address.strip().lower() for address in addresses})
    found: set[tuple[str, str]] = set()
    for purpose in sorted(set(purposes)) if normal else []:
        rows = consenting(Contact.objects.filter(AnyOf(F("email"), normal)), purpose=purpose)
        found.update((email, purpose) for email in rows.values_list("email", flat=True))
    return found


def current_consents(contact: Contact) -> dict[str, ConsentRecord | None]:
    """Per purpose, the contact's record that decides it now (None: never asked)."""
    latest = ConsentRecord.objects.filter(contact=contact).latest_per_purpose().select_related("actor")
    by_purpose = {record.purpose: record for record in latest}
    return {purpose: by_purpose.get(purpose) for purpose in Purpose.values}


def consent_history(contact: Contact, *, limit: int = 50) -> list[ConsentRecord]:
    """The contact's consent records, newest first."""
    return list(ConsentRecord.objects.filter(contact=contact).select_related("actor")[:limit])
