"""TLS to the IMAP server is verified, and there is never a silent fallback to plaintext."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from helpdesk.ingest.imap import parse_mailbox_url
from helpdesk.ingest.mailboxes import save_mailbox
from helpdesk.ingest.services import poll_mailbox
from helpdesk.models import Mailbox, Message
from tests.conftest import missing_service
from tests.helpdesk.ingest_support import make_mail
from tests.services import Dovecot

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def tls_dovecot() -> Iterator[Dovecot]:
    try:
        server = Dovecot.start(tls=True)
    except (FileNotFoundError, OSError) as exc:
        missing_service(f"Dovecot with TLS is not available: {exc}")
    yield server
    server.stop()


def tls_mailbox(server: Dovecot, url: str) -> tuple[Mailbox, tuple[str, str]]:
    login, password = server.add_user()
    server.append(login, password, make_mail(subject="Över TLS"))
    full = url.format(login=login.replace("@", "%40"), password=password, server=server)
    mailbox, _ = save_mailbox(name=login, url=parse_mailbox_url(full))
    return mailbox, (login, password)


@pytest.mark.parametrize(
    "url",
    [
        "imaps://{login}:{password}@127.0.0.1:{server.tls_port}/INBOX",
        "imap://{login}:{password}@127.0.0.1:{server.port}/INBOX?starttls=1",
    ],
    ids=["imaps", "starttls"],
)
def test_mail_arrives_over_verified_tls(tls_dovecot: Dovecot, url: str, settings: Any) -> None:
    settings.HELPDESK_IMAP_CA_FILE = tls_dovecot.ca_file
    mailbox, _ = tls_mailbox(tls_dovecot, url)
    result = poll_mailbox(mailbox)
    assert result.ok, result.error
    assert Message.objects.get().subject == "Över TLS"


@pytest.mark.parametrize(
    "url",
    [
        "imaps://{login}:{password}@127.0.0.1:{server.tls_port}/INBOX",
        "imap://{login}:{password}@127.0.0.1:{server.port}/INBOX?starttls=1",
    ],
    ids=["imaps", "starttls"],
)
def test_an_untrusted_certificate_fails_the_mailbox(tls_dovecot: Dovecot, url: str) -> None:
    mailbox, _ = tls_mailbox(tls_dovecot, url)  # no HELPDESK_IMAP_CA_FILE: the test CA is unknown
    result = poll_mailbox(mailbox)
    assert not result.ok
    assert "certificate not trusted" in result.error
    mailbox.refresh_from_db()
    assert mailbox.health == Mailbox.Health.FAILING
    assert not Message.objects.exists()


def test_starttls_to_a_server_without_it_fails_instead_of_falling_back(
    dovecot: Dovecot, imap_account: tuple[str, str]
) -> None:
    login, password = imap_account
    dovecot.append(login, password, make_mail())
    url = f"imap://{login.replace('@', '%40')}:{password}@127.0.0.1:{dovecot.port}/INBOX?starttls=1"
    mailbox, _ = save_mailbox(name="no-starttls", url=parse_mailbox_url(url))
    result = poll_mailbox(mailbox)
    assert not result.ok
    assert "TLS not supported by server" in result.error
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "imaps://{login}:{password}@127.0.0.1:{server.tls_port}/INBOX",
        "imap://{login}:{password}@127.0.0.1:{server.port}/INBOX?starttls=1",
    ],
    ids=["imaps", "starttls"],
)
def test_idle_over_tls_wakes_on_mail_and_notices_a_closed_connection(
    tls_dovecot: Dovecot, url: str, settings: Any
) -> None:
    import threading
    import time

    from helpdesk.ingest.imap import ImapError, ImapSession
    from helpdesk.ingest.services import imap_config
    from tests.helpdesk.test_imap_idle import drop_connections

    settings.HELPDESK_IMAP_CA_FILE = tls_dovecot.ca_file
    mailbox, account = tls_mailbox(tls_dovecot, url)
    with ImapSession(imap_config(mailbox)) as session:
        session.wait_for_mail(0.1, threading.Event())  # the SELECT's "* 1 EXISTS" counts as news
        assert not session.wait_for_mail(1.5, threading.Event())  # open and quiet: not "closed"
        delivery = threading.Timer(0.5, tls_dovecot.append, args=(*account, make_mail()))
        delivery.start()
        assert session.wait_for_mail(20, threading.Event())
        delivery.join()
        threading.Timer(0.5, drop_connections, args=(tls_dovecot,)).start()
        started = time.monotonic()
        with pytest.raises(ImapError, match="closed the connection"):
            session.wait_for_mail(20, threading.Event())
        assert time.monotonic() - started < 5
