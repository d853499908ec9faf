from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from helpdesk.models import Message, Ticket
from integrations.models import ErpOrder, ErpShipment

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "tickets": Ticket.objects.count(),
        "messages": Message.objects.count(),
        "orders": ErpOrder.objects.count(),
        "shipments": ErpShipment.objects.count(),
    }


def test_seed_demo_is_idempotent(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("seed_demo")
    first = _counts()
    assert first["tickets"] >= 5 and first["orders"] >= 5 and first["users"] == 3
    call_command("seed_demo", "--json")
    output = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert set(output["created"].values()) == {0}
    assert _counts() == first


def test_seed_demo_gives_one_login_per_role() -> None:
    call_command("seed_demo")
    roles = {user.username: set(user.groups.values_list("name", flat=True)) for user in User.objects.all()}
    assert roles == {"agent": {"agent"}, "supervisor": {"supervisor"}, "admin": {"admin"}}


def test_demo_tickets_come_in_swedish_and_english_and_name_real_orders() -> None:
    call_command("seed_demo")
    assert set(Ticket.objects.values_list("language", flat=True)) >= {"sv", "en"}
    order_numbers = set(ErpOrder.objects.values_list("number", flat=True))
    mentioned = {
        number for number in order_numbers if Message.objects.filter(body_text__contains=number).exists()
    }
    assert len(mentioned) >= 4
