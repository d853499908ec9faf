"""Every app's GDPR sections, in the order they run. A new table with personal data gets a section in
its own app's ``gdpr`` module and one line here.

Erasure runs them in this order inside one transaction; the subject's rows are found before the first
one runs (``privacy.services``), so a section that changed an address does not hide rows from the next.
The audit events go after the rows they describe, and the contact row last.
"""

from __future__ import annotations

from delivery import gdpr as delivery_gdpr
from drafts import gdpr as drafts_gdpr
from helpdesk.gdpr import sections as helpdesk_gdpr
from helpdesk.gdpr.base import Section
from notices import gdpr as notices_gdpr

SECTIONS: tuple[Section, ...] = (
    helpdesk_gdpr.ContactSection(),
    *helpdesk_gdpr.SECTIONS,
    *drafts_gdpr.SECTIONS,
    *delivery_gdpr.SECTIONS,
    *notices_gdpr.SECTIONS,
    helpdesk_gdpr.AuditSection(),
)


def erasure_order() -> tuple[Section, ...]:
    """The sections for erasure: the contact row last, so its address is known to the others."""
    contact = [section for section in SECTIONS if section.name == "contact"]
    return (*[section for section in SECTIONS if section.name != "contact"], *contact)
