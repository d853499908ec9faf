"""RFC 8058 one-click unsubscribe: the headers inside the DKIM signature, a visible link, a cookie-less
POST as Gmail sends it, a GET that changes nothing, forged and expired tokens refused."""

from __future__ import annotations

import time
from unittest import mock
from urllib.parse import unquote, urlsplit

import pytest
from django.test import Client

from delivery import dkim, unsubscribe
from delivery.models import Suppression
from delivery.queue import send_pass
from helpdesk.consent import current_consents, record_consent
from helpdesk.ingest.services import process_stored, store_raw_email
from helpdesk.models import AuditEvent, Contact, InboundEmail, Ticket
from tests.delivery.helpers import parsed, queue
from tests.factories import ContactFactory
from tests.helpdesk.ingest_support import make_mail
from tests.services import SmtpSink

pytestmark = pytest.mark.django_db
ADDRESS = "kund@kund.example"


@pytest.fixture
def contact() -> Contact:
    person = ContactFactory.create(email=ADDRESS, language="sv")
    record_consent(contact=person, purpose="service_notices", granted=True, source="form")
    record_consent(contact=person, purpose="marketing", granted=True, source="form")
    return person


def path_of(token: str) -> str:
    return urlsplit(unsubscribe.unsubscribe_url(ADDRESS, "service_notices")).path.replace(
        unsubscribe.make_token(ADDRESS, "service_notices"), token
    )


def test_bulk_mail_carries_signed_one_click_headers_and_a_visible_link(
    relay: SmtpSink, dkim_keys: dict[str, str], contact: Contact
) -> None:
    headers = unsubscribe.headers(ADDRESS, "service_notices")
    outbound = queue(key="notice:1", stream="bulk", headers=headers)
    send_pass()

    mail = parsed(relay.messages[0].data)
    https, mailto = (
        part.strip(" <>") for part in str(mail["List-Unsubscribe"]).replace("\r\n", "").split(",")
    )
    assert https.startswith("https://support.nordlager.example/u/") and mailto.startswith("mailto:")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    verdicts = dkim.verify_all(relay.messages[0].data, dkim_keys)
    assert verdicts and all(v.valid for v in verdicts)
    signed = [str(value) for name, value in mail.items() if name.lower() == "dkim-signature"]
    assert all(
        "list-unsubscribe:list-unsubscribe-post" in s.replace(" ", "").replace("\r\n", "").lower()
        for s in signed
    )
    # Changing the header afterwards breaks every signature.
    tampered = relay.messages[0].data.replace(
        b"List-Unsubscribe-Post: List-Unsubscribe=One-Click", b"List-Unsubscribe-Post: x"
    )
    assert not any(v.valid for v in dkim.verify_all(tampered, dkim_keys))
    assert outbound.purpose == "service_notices"


def test_the_visible_link_is_in_the_contacts_language() -> None:
    swedish = unsubscribe.footer(ADDRESS, "service_notices", "sv")
    english = unsubscribe.footer(ADDRESS, "service_notices", "en")
    assert "https://support.nordlager.example/u/" in swedish and "Avsluta prenumerationen" in swedish
    assert "Unsubscribe:" in english


@pytest.mark.parametrize("address", [ADDRESS, "Åsa.Öberg+avi@kund.example", "x@y.example"])
def test_a_batchs_links_are_those_made_one_by_one(address: str) -> None:
    links = unsubscribe.Links("service_notices")
    for language in ("sv", "en"):
        footer, headers = links.of(address, language)
        token = unquote(headers["List-Unsubscribe"].rpartition("?subject=")[2].rstrip(">"))
        token = token.removeprefix("unsubscribe ")
        assert unsubscribe.read_token(token) == unsubscribe.Unsubscribe(address.lower(), "service_notices")
        assert footer == unsubscribe.footer(address, "service_notices", language, token=token)
        assert headers == unsubscribe.headers(address, "service_notices", token=token)
        assert links.url(address, token + " x") == unsubscribe.unsubscribe_url(
            address, "service_notices", token=token + " x"
        )


def test_one_click_post_without_cookies_unsubscribes_at_once(contact: Contact) -> None:
    url = urlsplit(unsubscribe.unsubscribe_url(ADDRESS, "service_notices")).path
    gmail = Client(enforce_csrf_checks=True)  # no session, no CSRF cookie: as a mailbox provider posts

    answer = gmail.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")

    assert answer.status_code == 200 and answer.content == b""
    record = current_consents(contact)["service_notices"]
    assert record is not None and not record.granted and record.source == "unsubscribe_link"
    assert current_consents(contact)["marketing"].granted  # type: ignore[union-attr]
    entry = Suppression.objects.active().get(address=ADDRESS)
    assert (entry.scope, entry.purpose, entry.reason) == ("bulk", "service_notices", "unsubscribe")
    assert AuditEvent.objects.filter(action="consent.withdrawn").count() == 1
    # Gmail may post twice: nothing new is recorded.
    gmail.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert contact.consents.count() == 3 and Suppression.objects.count() == 1


def test_get_shows_a_confirm_page_in_the_contacts_language_and_changes_nothing(
    contact: Contact,
) -> None:
    url = urlsplit(unsubscribe.unsubscribe_url(ADDRESS, "service_notices")).path
    page = Client().get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'method="post"' in text and "Avsluta prenumeration" in text
    assert contact.consents.count() == 2 and not Suppression.objects.exists()

    done = Client().post(url)  # the confirm button
    assert done.status_code == 200 and ADDRESS in done.content.decode()
    assert not current_consents(contact)["service_notices"].granted  # type: ignore[union-attr]


def test_forged_and_expired_tokens_are_refused(contact: Contact) -> None:
    good = unsubscribe.make_token(ADDRESS, "service_notices")
    other = unsubscribe.make_token("annan@kund.example", "service_notices")
    forged = good.rsplit(":", 1)[0] + ":" + other.rsplit(":", 1)[1]
    for token in (forged, good[:-2] + "xx", "nonsense"):
        assert Client().get(path_of(token)).status_code == 400
        assert (
            Client()
            .post(
                path_of(token), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
            )
            .status_code
            == 400
        )
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 91 * 86400):
        old = unsubscribe.make_token(ADDRESS, "service_notices")
    assert Client().get(path_of(old)).status_code == 400
    assert (
        Client()
        .post(path_of(old), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
        .status_code
        == 400
    )
    assert contact.consents.count() == 2 and not Suppression.objects.exists()


def test_a_token_signed_compressed_still_unsubscribes_and_a_plain_one_is_what_compressing_gave() -> None:
    from django.core import signing

    payload = [ADDRESS, "service_notices"]
    # A long address compresses: Django marks that token, and reading takes both forms.
    long_address = "kund." * 40 + "@kund.example"
    compressed = signing.dumps([long_address, "marketing"], salt=unsubscribe._SALT, compress=True)
    assert compressed.startswith(".")
    assert unsubscribe.read_token(compressed) == unsubscribe.Unsubscribe(long_address, "marketing")
    # A usual one does not shrink, so the tokens sent before read as before.
    with mock.patch("django.core.signing.time.time", return_value=1_800_000_000):
        plain = unsubscribe.make_token(ADDRESS, "service_notices")
        assert plain == signing.dumps(payload, salt=unsubscribe._SALT, compress=True)
    assert unsubscribe.read_token(plain) == unsubscribe.Unsubscribe(ADDRESS, "service_notices")


def mailto_subject(address: str = ADDRESS, purpose: str = "service_notices", token: str = "") -> str:
    """The subject a mail client writes from the mailto in our ``List-Unsubscribe`` header."""
    token = token or unsubscribe.make_token(address, purpose)
    header = unsubscribe.Links(purpose).headers(
        token, unsubscribe.unsubscribe_url(address, purpose, token=token)
    )
    mailto = header["List-Unsubscribe"].split("<mailto:", 1)[1].rstrip(">")
    return unquote(mailto.split("?subject=", 1)[1])


def mailed(subject: str, sender: str = ADDRESS, **headers: str) -> InboundEmail:
    """A mail to the mailto's mailbox, through ingest; the stored row, processed."""
    row = store_raw_email(raw=make_mail(sender=sender, subject=subject, body="", headers=headers))
    process_stored()
    row.refresh_from_db()
    return row


def test_a_mail_to_the_list_unsubscribe_mailto_unsubscribes_and_makes_no_ticket(contact: Contact) -> None:
    row = mailed(mailto_subject())
    assert (row.status, row.kind) == (InboundEmail.Status.FEEDBACK, "human") and bytes(row.raw)
    assert not Ticket.objects.exists()
    withdrawn = current_consents(contact)["service_notices"]
    assert withdrawn is not None and not withdrawn.granted and withdrawn.source == "unsubscribe_link"
    assert current_consents(contact)["marketing"].granted  # type: ignore[union-attr]
    entry = Suppression.objects.get(address=ADDRESS)
    assert (entry.reason, entry.scope, entry.purpose) == ("unsubscribe", "bulk", "service_notices")


def test_apple_mails_unsubscribe_mail_is_read_as_any_client_s(contact: Contact) -> None:
    # Apple Mail sends the mailto's subject, marked as automatic and with its own header.
    row = mailed(
        mailto_subject(purpose="marketing"),
        **{"Auto-Submitted": "auto-replied", "X-Apple-Unsubscribe": "true"},
    )
    assert row.status == InboundEmail.Status.FEEDBACK and not Ticket.objects.exists()
    assert not current_consents(contact)["marketing"].granted  # type: ignore[union-attr]
    assert current_consents(contact)["service_notices"].granted  # type: ignore[union-attr]


def test_an_unsubscribe_mail_without_a_valid_token_goes_to_a_person(contact: Contact) -> None:
    good = unsubscribe.make_token(ADDRESS, "service_notices")
    forged = (
        good.rsplit(":", 1)[0] + ":" + unsubscribe.make_token("x@kund.example", "marketing").rsplit(":", 1)[1]
    )
    for subject in ("unsubscribe " + forged, "Please unsubscribe me from your newsletters"):
        assert mailed(subject).status == InboundEmail.Status.PROCESSED
    assert Ticket.objects.count() == 2
    assert contact.consents.count() == 2 and not Suppression.objects.exists()


def test_an_expired_token_counts_only_from_the_address_it_names(contact: Contact) -> None:
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 91 * 86400):
        old = unsubscribe.make_token(ADDRESS, "service_notices")
    assert mailed(mailto_subject(token=old), sender="annan@kund.example").status == "processed"
    assert not Suppression.objects.exists()
    assert mailed(mailto_subject(token=old), sender=f"Kund <{ADDRESS.upper()}>").status == "feedback"
    assert not current_consents(contact)["service_notices"].granted  # type: ignore[union-attr]
