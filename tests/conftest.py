"""Shared fixtures: real services (Dovecot, an SMTP sink), named personas and a browser.

A service whose binary is missing skips its tests locally and fails them under ``CI=true``.
"""

from __future__ import annotations

import importlib
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import connection

from delivery import dkim
from delivery.models import DkimKey
from tests.dns_server import LocalDns
from tests.factories import UserFactory
from tests.services import Dovecot, SmtpSink

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def missing_service(reason: str) -> None:
    """Skip locally, fail in CI: CI must exercise every real service."""
    if IN_CI:
        pytest.fail(f"{reason} (required under CI=true)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    try:
        server = Dovecot.start()
    except (FileNotFoundError, OSError) as exc:
        missing_service(f"Dovecot is not available: {exc}")
    yield server
    server.stop()


@pytest.fixture
def imap_account(dovecot: Dovecot) -> tuple[str, str]:
    """A fresh, empty IMAP account: (login, password)."""
    return dovecot.add_user()


@pytest.fixture(scope="session")
def smtp_sink_server() -> Iterator[SmtpSink]:
    sink = SmtpSink.start()
    yield sink
    sink.stop()


@pytest.fixture
def smtp_sink(smtp_sink_server: SmtpSink, settings: Any) -> SmtpSink:
    """The SMTP sink, emptied, with Django's SMTP backend pointed at it."""
    smtp_sink_server.handler.reset()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_sink_server.host
    settings.EMAIL_PORT = smtp_sink_server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    return smtp_sink_server


@pytest.fixture(autouse=True)
def _empty_cache(request: pytest.FixtureRequest) -> None:
    """The cache (ERP answers, the circuit breaker, sender authentication, presence) is a database table
    that Django's flush after a transactional test leaves alone: empty it before each test that uses the
    database, so that no test sees what an earlier one cached."""
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(
        request.fixturenames
    )
    if not uses_db:
        return
    request.getfixturevalue("django_db_setup")
    with request.getfixturevalue("django_db_blocker").unblock():
        cache.clear()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """The test database allows TRUNCATE of the audit log (helpdesk migration 0015): transactional and
    browser tests are reset with Django's flush, one TRUNCATE over every table. Set on the database, so
    every later connection (live server threads, worker subprocesses) has it; production never does."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        name = connection.ops.quote_name(connection.settings_dict["NAME"])
        cursor.execute(f"ALTER DATABASE {name} SET helpdesk.audit_truncate = 'allow'")
        cursor.execute("SET helpdesk.audit_truncate = 'allow'")


@pytest.fixture(scope="session")
def local_dns_server() -> Iterator[LocalDns]:
    server = LocalDns()
    yield server
    server.stop()


@pytest.fixture
def local_dns(local_dns_server: LocalDns, settings: Any) -> LocalDns:
    """The DNS server on 127.0.0.1 with an empty zone; sender authentication checks against it."""
    local_dns_server.zone.clear()
    settings.HELPDESK_DNS_RESOLVER = [("127.0.0.1", local_dns_server.port)]
    settings.HELPDESK_DNS_TIMEOUT = 2.0
    settings.HELPDESK_SENDER_AUTH = "check"
    return local_dns_server


@pytest.fixture
def agent(db: None) -> Any:
    return UserFactory.create(username="agnes", role="agent")


@pytest.fixture
def supervisor(db: None) -> Any:
    return UserFactory.create(username="sune", role="supervisor")


@pytest.fixture
def administrator(db: None) -> Any:
    return UserFactory.create(username="ada", role="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def outsider(db: None) -> Any:
    """Signed in, but in no role group: must never see tickets."""
    return UserFactory.create(username="otto", role=None)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (its own browser download does not work here)."""
    executable = "/usr/bin/chromium"
    if not os.path.exists(executable):
        missing_service("Chromium is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; Django's ORM is used from the test
    # body around it, never concurrently, so the async-safety guard does not apply.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
        yield instance
        instance.close()


class ServerRequests:
    """Requests the live server (its own threads) is answering now, counted by Django's signals.

    A browser test ends by flushing the database with one TRUNCATE over every table. A request still
    running then (a heartbeat, a beacon sent as the page closed) can hold a lock on one table while it
    waits for another that the TRUNCATE holds: PostgreSQL breaks the deadlock by failing the flush.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.running = 0
        self.last_change = time.monotonic()

    def _change(self, step: int) -> None:
        if threading.current_thread() is threading.main_thread():
            return  # the test client answers in the test's own thread and finishes before it returns
        with self._lock:
            self.running += step
            self.last_change = time.monotonic()

    def started(self, **_: Any) -> None:
        self._change(1)

    def finished(self, **_: Any) -> None:
        self._change(-1)

    def wait_until_quiet(self, *, quiet: float = 0.3, timeout: float = 15.0) -> None:
        """Return once no request has run for ``quiet`` seconds; fail after ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self.running <= 0 and time.monotonic() - self.last_change >= quiet:
                    return
            time.sleep(0.05)
        pytest.fail(f"the live server still answers {self.running} request(s) after {timeout} s")


@pytest.fixture(scope="session")
def server_requests() -> Iterator[ServerRequests]:
    counter = ServerRequests()
    request_started.connect(counter.started, dispatch_uid="tests-server-requests-started")
    request_finished.connect(counter.finished, dispatch_uid="tests-server-requests-finished")
    yield counter
    request_started.disconnect(dispatch_uid="tests-server-requests-started")
    request_finished.disconnect(dispatch_uid="tests-server-requests-finished")


@contextmanager
def browser_page(browser: Any, server_requests: ServerRequests, **options: Any) -> Iterator[Any]:
    """A page in a fresh browser context (``options`` for ``new_context``: viewport, locale, ...); fails
    the test on any uncaught page error.

    Closing it waits until the live server has answered everything the page sent, so the database
    flush after the test never races a request."""
    context = browser.new_context(**{"locale": "en-GB", **options})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()
        server_requests.wait_until_quiet()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def page(browser: Any, server_requests: ServerRequests) -> Iterator[Any]:
    """A fresh browser context and page (``browser_page``)."""
    with browser_page(browser, server_requests) as page:
        yield page


# Sending: a relay that requires STARTTLS and AUTH (throw-away CA), and DKIM keys --------------------
RELAY_USER, RELAY_PASSWORD = "helpdesk", "relay-secret-1"


@pytest.fixture(scope="session")
def secure_relay() -> Iterator[tuple[SmtpSink, str]]:
    """An SMTP relay that requires STARTTLS and AUTH; (sink, CA file)."""
    with tempfile.TemporaryDirectory() as directory:
        relay, ca_file = SmtpSink.start_secure(Path(directory), user=RELAY_USER, password=RELAY_PASSWORD)
        yield relay, ca_file
        relay.stop()


@pytest.fixture
def relay(secure_relay: tuple[SmtpSink, str], settings: Any) -> SmtpSink:
    """The secure relay, emptied, as the default transport (verified STARTTLS, AUTH)."""
    sink, ca_file = secure_relay
    sink.handler.reset()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = sink.host, sink.port
    settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL = True, False
    settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = RELAY_USER, RELAY_PASSWORD
    settings.EMAIL_TIMEOUT = 10
    settings.DELIVERY_SMTP_CA_FILE = ca_file
    return sink


@pytest.fixture
def dkim_keys(db: None, settings: Any) -> Iterator[dict[str, str]]:
    """An RSA-2048 and an Ed25519 key for the sending domain; the DNS records that publish them."""
    settings.DKIM_ENABLED = True
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2]
    for selector, algorithm in (("rsa1", "rsa"), ("ed1", "ed25519")):
        private, public = dkim.generate(algorithm)
        DkimKey.objects.create(
            domain=domain,
            selector=selector,
            algorithm=algorithm,
            private_key=private.decode(),
            public_key=public,
        )
    dkim.forget_keys()
    yield dkim.published_records()
    dkim.forget_keys()


@pytest.fixture
def data_migrations(transactional_db: None) -> None:
    """Put back the roles and the drafting defaults the data migrations made: a transactional test
    runs against a database an earlier one flushed, which emptied them."""
    with connection.schema_editor() as editor:
        importlib.import_module("helpdesk.migrations.0002_roles").create_roles(django_apps, editor)
        importlib.import_module("drafts.migrations.0002_defaults").install_defaults(django_apps, editor)
    cache.clear()
