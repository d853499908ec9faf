"""One-click unsubscribe (RFC 8058) for bulk mail: the signed, expiring token in every bulk message's
``List-Unsubscribe`` URL, the headers and the visible footer, and what an unsubscribe does.

The token names the address and the purpose, signed with ``SECRET_KEY`` (Django's signing, its own
salt) and dated, so it cannot be forged or moved to another address, and stops working after
``DELIVERY_UNSUBSCRIBE_DAYS``. An unsubscribe withdraws the contact's consent for that purpose (a consent
record, source "unsubscribe link") and suppresses the address for bulk mail of that purpose, in one
transaction; replies to the customer's own questions are untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import parseaddr
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from delivery.models import Suppression
from delivery.services import suppress_address
from helpdesk.consent import current_consents, record_consent
from helpdesk.models import ConsentRecord, Contact, Purpose

_SALT = "delivery.unsubscribe"
# The characters of a signed token (URL-safe base64, the separator and the compression mark).
_PLAIN_TOKEN = re.compile(r"[A-Za-z0-9_.:-]+")


class UnsubscribeError(Exception):
    """The token is forged, damaged or expired; ``str`` says which, for the page."""


@dataclass(frozen=True)
class Unsubscribe:
    address: str
    purpose: str


def make_token(address: str, purpose: str) -> str:
    # Not compressed: an address and a purpose never shrink under zlib (Django then keeps the plain
    # form anyway), and trying cost a notice a fifth of its token. Compressed tokens still read.
    return signing.dumps([address.strip().lower(), purpose], salt=_SALT)


def read_token(token: str, *, any_age: bool = False) -> Unsubscribe:
    """The address and purpose a token names; ``UnsubscribeError`` for a forged or expired one (with
    ``any_age``, only for a forged one)."""
    max_age = None if any_age else settings.DELIVERY_UNSUBSCRIBE_DAYS * 86400
    try:
        address, purpose = signing.loads(token, salt=_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise UnsubscribeError(_("This unsubscribe link has expired.")) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise UnsubscribeError(_("This unsubscribe link is not valid.")) from None
    if purpose not in Purpose.values or not isinstance(address, str):
        raise UnsubscribeError(_("This unsubscribe link is not valid."))
    return Unsubscribe(address=address, purpose=purpose)


def unsubscribe_url(address: str, purpose: str, *, token: str = "") -> str:
    """The link; ``token`` is ``make_token(address, purpose)`` when the caller has made it already."""
    if not settings.HELPDESK_BASE_URL:
        raise ValueError("HELPDESK_BASE_URL is not set: bulk mail needs it for its unsubscribe link")
    token = token or make_token(address, purpose)
    return settings.HELPDESK_BASE_URL + reverse("unsubscribe", args=[token])


def headers(address: str, purpose: str, *, token: str = "") -> dict[str, str]:
    """``List-Unsubscribe`` (the https URL and a mailto) and ``List-Unsubscribe-Post`` (RFC 8058); the
    DKIM signature covers both (``delivery.dkim.SIGNED_HEADERS``). One token for both (``token``, or
    made here)."""
    token = token or make_token(address, purpose)
    return Links(purpose).headers(token, unsubscribe_url(address, purpose, token=token))


def footer(address: str, purpose: str, language: str, *, token: str = "") -> str:
    """The visible unsubscribe line at the end of a bulk message, in the contact's language."""
    return Links(purpose).footer(language, unsubscribe_url(address, purpose, token=token))


class Links:
    """The unsubscribe line and headers for the many recipients of one purpose (a notice's batch):
    the settings are read, and each language's line translated, once."""

    def __init__(self, purpose: str) -> None:
        self.purpose = purpose
        self.mailbox = settings.DELIVERY_UNSUBSCRIBE_MAILTO or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
        self._lines: dict[str, tuple[str, str]] = {}
        self._around: tuple[str, str] | None = None

    def of(self, address: str, language: str) -> tuple[str, dict[str, str]]:
        """``footer`` and ``headers`` of one recipient, with one signed token for both."""
        token = make_token(address, self.purpose)
        url = self.url(address, token)
        return self.footer(language, url), self.headers(token, url)

    def url(self, address: str, token: str) -> str:
        """``unsubscribe_url``: a token of the characters signing writes, none of which the URL
        quotes, goes between the parts of the URL around it, reversed once; any other is reversed."""
        if not _PLAIN_TOKEN.fullmatch(token):
            return unsubscribe_url(address, self.purpose, token=token)
        if self._around is None:
            before, _marker, after = unsubscribe_url(address, self.purpose, token="TOKEN").partition("TOKEN")
            self._around = before, after
        return self._around[0] + token + self._around[1]

    def headers(self, token: str, url: str) -> dict[str, str]:
        # What ``quote`` makes of "unsubscribe " and a plain token, without its walk over each byte.
        subject = (
            "unsubscribe%20" + token.replace(":", "%3A")
            if _PLAIN_TOKEN.fullmatch(token)
            else quote("unsubscribe " + token)
        )
        mailto = f"mailto:{self.mailbox}?subject={subject}"
        return {
            "List-Unsubscribe": f"<{url}>, <{mailto}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }

    def footer(self, language: str, url: str) -> str:
        if language not in self._lines:
            with translation.override(language or settings.LANGUAGE_CODE):
                label = str(Purpose(self.purpose).label).lower()
                line = _("You get these %(purpose)s because you agreed to them. Unsubscribe: %(url)s")
            self._lines[language] = (line, label)
        line, label = self._lines[language]
        return f"\n\n-- \n{line % {'purpose': label, 'url': url}}\n"


# What a mail client makes of the mailto in ``List-Unsubscribe`` (``Links.headers``): the subject it gives.
_SUBJECT_TOKEN = re.compile(r"\bunsubscribe\s+([A-Za-z0-9_.:-]{16,})", re.IGNORECASE)


def requested_by_mail(subject: str, sender: str) -> Unsubscribe | None:
    """The unsubscribe a mail to the ``List-Unsubscribe`` mailto asks for: its subject carries the token
    the mailto gave ("unsubscribe <token>"), which authorises it as it does the link. A token past its
    time still counts when the mail comes from the address it names (the person asks, by mail, for
    what the token says). None for any other mail, a forged token, or an expired one from another."""
    match = _SUBJECT_TOKEN.search(subject or "")
    if match is None:
        return None
    token = match.group(1)
    try:
        return read_token(token)
    except UnsubscribeError:
        pass
    try:
        wanted = read_token(token, any_age=True)
    except UnsubscribeError:
        return None
    return wanted if wanted.address == sender.strip().lower() else None


def is_subscribed(request: Unsubscribe) -> bool:
    contact = Contact.objects.filter(email=request.address).first()
    if contact is None:
        return False
    record = current_consents(contact).get(request.purpose)
    return record is not None and record.granted


def unsubscribe(request: Unsubscribe, *, via: str) -> Suppression:
    """Withdraw the consent and suppress the address for bulk mail of the purpose, at once. A second
    unsubscribe (Gmail may send the POST twice) records nothing new."""
    with transaction.atomic():
        contact = Contact.objects.select_for_update().filter(email=request.address).first()
        if contact is not None:
            current = current_consents(contact).get(request.purpose)
            if current is None or current.granted or current.source != ConsentRecord.Source.UNSUBSCRIBE_LINK:
                record_consent(
                    contact=contact,
                    purpose=request.purpose,
                    granted=False,
                    source=ConsentRecord.Source.UNSUBSCRIBE_LINK,
                    evidence=via,
                    system="unsubscribe",
                )
        return suppress_address(
            address=request.address,
            reason=Suppression.Reason.UNSUBSCRIBE,
            scope=Suppression.Scope.BULK,
            purpose=request.purpose,
            note=via,
            source="unsubscribe_link",
            actor=None,
        )
