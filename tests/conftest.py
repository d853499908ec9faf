"""Shared fixtures: real services (Dovecot, an SMTP sink), named personas and a browser.

A service whose binary is missing skips its tests locally and fails them under ``CI=true``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

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


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context and page; fails the test on any uncaught page error."""
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
