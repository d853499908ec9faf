"""Two-factor sign-in (TOTP through django-otp): set up, asked for after the password, required for
supervisors and admins when the setting says so, never for API tokens."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from helpdesk.models import AuditEvent
from helpdesk.web.api.tokens import create_api_token
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def code(device: TOTPDevice, *, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def unthrottle(device: TOTPDevice) -> None:
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )


def log_in(client: Client, user: Any) -> Any:
    return client.post(reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True)


def test_a_supervisor_must_set_up_two_factor_when_required_and_then_enter_codes(
    client: Client, supervisor: Any, settings: Any
) -> None:
    settings.HELPDESK_TWO_FACTOR = "required"
    response = log_in(client, supervisor)
    assert response.redirect_chain[-1][0].startswith(reverse("two_factor_setup"))
    assert client.get(reverse("dashboard")).status_code == 302
    assert client.get("/api/tickets/").status_code == 403
    page = client.get(reverse("two_factor_setup"))
    assert 'src="data:image/svg+xml' in page.text
    device = TOTPDevice.objects.get(user=supervisor, confirmed=False)

    wrong = client.post(reverse("two_factor_setup"), {"code": "000000"})
    assert "not valid" in wrong.text and not TOTPDevice.objects.filter(confirmed=True).exists()
    # django-otp throttles after a wrong code (guessing costs time): even the right one waits.
    client.post(reverse("two_factor_setup"), {"code": code(device)})
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed
    unthrottle(device)
    client.post(reverse("two_factor_setup"), {"code": code(device)})
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert AuditEvent.objects.filter(action="account.two_factor_enabled").count() == 1
    assert client.get(reverse("dashboard")).status_code == 200

    # The next sign-in asks for a code after the password.
    client.post(reverse("logout"))
    response = log_in(client, supervisor)
    assert response.redirect_chain[-1][0].startswith(reverse("two_factor_verify"))
    assert client.get(reverse("home")).status_code == 302
    assert client.post(reverse("two_factor_verify"), {"code": "123456"}).status_code == 200
    unthrottle(device)
    device.refresh_from_db()
    response = client.post(
        reverse("two_factor_verify"), {"code": code(device, offset=1), "next": "/dashboard/"}
    )
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert client.get(reverse("dashboard")).status_code == 200


def test_agents_are_not_forced_but_may_opt_in(client: Client, agent: Any, settings: Any) -> None:
    settings.HELPDESK_TWO_FACTOR = "required"
    response = log_in(client, agent)
    assert response.redirect_chain[-1][0] == reverse("home")
    TOTPDevice.objects.create(user=agent, name="app", confirmed=True)
    client.post(reverse("logout"))
    assert log_in(client, agent).redirect_chain[-1][0].startswith(reverse("two_factor_verify"))


def test_a_replayed_code_is_refused(client: Client, agent: Any) -> None:
    device = TOTPDevice.objects.create(user=agent, name="app", confirmed=True)
    log_in(client, agent)
    first = code(device)
    assert client.post(reverse("two_factor_verify"), {"code": first}).status_code == 302
    client.post(reverse("logout"))
    log_in(client, agent)
    assert client.post(reverse("two_factor_verify"), {"code": first}).status_code == 200


def test_api_tokens_are_not_asked_for_a_code(client: Client, supervisor: Any, settings: Any) -> None:
    settings.HELPDESK_TWO_FACTOR = "required"
    issued = create_api_token(user=supervisor, name="erp")
    assert client.get("/api/tickets/", HTTP_AUTHORIZATION=f"Token {issued.key}").status_code == 200


def test_the_verify_page_never_redirects_off_site(client: Client, agent: Any) -> None:
    device = TOTPDevice.objects.create(user=agent, name="app", confirmed=True)
    log_in(client, agent)
    response = client.post(
        reverse("two_factor_verify"), {"code": code(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")
