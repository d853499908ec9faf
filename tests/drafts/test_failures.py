"""Failures are visible: an ERP that is down or misconfigured never leaves a silent gap or a guess."""

from __future__ import annotations

from typing import Any

import pytest

from drafts import services
from drafts.models import Draft, Flag, ReplyTemplate
from helpdesk.models import AuditEvent
from integrations import get_connector
from integrations.base import (
    AudienceEntry,
    Customer,
    Invoice,
    Misconfigured,
    Order,
    Product,
    Shipment,
    Unavailable,
)
from integrations.resilience import make_resilient
from tests.drafts.helpers import customer_message, draft_for

pytestmark = pytest.mark.django_db


class DownErp:
    """An ERP that does not answer (the process edge: the real one would time out)."""

    name = "down"
    runs_in_thread = False

    def __init__(self) -> None:
        self.calls = 0

    def _down(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        raise Unavailable("connection refused")

    def find_customer(self, *, email: str | None = None, number: str | None = None) -> Customer:
        return self._down()

    def recent_orders(self, customer_number: str, *, limit: int = 5) -> list[Order]:
        return self._down()

    def get_order(self, number: str) -> Order:
        return self._down()

    def delayed_orders(self, *, min_days: int) -> list[Order]:
        return self._down()

    def waiting_orders(self, *, sku: str) -> list[Order]:
        return self._down()

    def customers(self, numbers: list[str]) -> list[Customer]:
        return self._down()

    def orders(self, numbers: list[str]) -> list[Order]:
        return self._down()

    def delayed_customers(self, *, min_days: int) -> list[AudienceEntry]:
        return self._down()

    def waiting_customers(self, *, sku: str) -> list[AudienceEntry]:
        return self._down()

    def get_shipment(self, tracking_number: str) -> Shipment:
        return self._down()

    def get_product(self, sku: str) -> Product:
        return self._down()

    def get_invoice(self, number: str) -> Invoice:
        return self._down()


class BrokenErp(DownErp):
    """A connector with a bug: it raises something that is not a ``ConnectorError``."""

    def _down(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom at postgresql://erp:s3cret@erp.example/erp")


def test_an_unexpected_error_fails_the_draft_instead_of_leaving_it_generating(demo_message: Any) -> None:
    draft = draft_for(demo_message("Var är min order 100231?"), connector=BrokenErp())
    assert draft.status == Draft.Status.FAILED
    assert "RuntimeError" in draft.failure_reason
    assert "s3cret" not in draft.failure_reason
    assert AuditEvent.objects.filter(action="draft.failed", object_id=str(draft.pk)).exists()


def test_erp_down_gives_a_draft_that_says_what_is_missing(demo_message: Any, agent: Any) -> None:
    erp = DownErp()
    draft = draft_for(demo_message("Var är min order 100231?"), connector=erp)
    assert draft.status == Draft.Status.READY
    assert Flag.MISSING_FACTS in draft.flags
    assert "ERP unavailable: could not fetch order 100231" in draft.problem_messages()
    assert "Vi kan inte hämta uppgifter om" in draft.body
    assert "order 100231" in draft.body
    assert "skickad" not in draft.body  # no status was invented
    assert not draft.citations.filter(source_system="demo").exists()
    errors = [call for call in draft.trace.tool_calls if "error" in call]
    assert errors and all("unavailable" in call["error"] for call in errors)
    with pytest.raises(services.NotAllowed):
        services.approve_draft(draft=draft, user=agent, expected_version=draft.version)


def test_an_open_circuit_is_reported_like_an_erp_that_is_down(demo_message: Any, settings: Any) -> None:
    settings.ERP_BREAKER_FAILURES = 1
    inner = DownErp()
    connector = make_resilient(inner)
    draft = draft_for(demo_message("Delivery date for order 100245"), connector=connector)
    assert Flag.MISSING_FACTS in draft.flags
    assert inner.calls == 1  # after the first failure the breaker answers without asking the ERP
    assert "We cannot look up" in draft.body


def test_a_misconfigured_connector_fails_the_draft_with_the_reason(demo_message: Any, settings: Any) -> None:
    settings.ERP_CONNECTOR = "nonexistent"
    with pytest.raises(Misconfigured):
        get_connector()
    draft = draft_for(demo_message("Var är min order 100231?"))
    assert draft.status == Draft.Status.FAILED
    assert "nonexistent" in draft.failure_reason
    assert draft.body == ""


def test_an_unknown_order_number_is_said_not_found_not_guessed(seeded: None) -> None:
    message = customer_message(
        sender="inkop@bergstrom-bygg.se", subject="Order", body="Hej, var är order 999999?"
    )
    draft = draft_for(message)
    assert draft.status == Draft.Status.READY
    assert "Vi hittar inte order 999999 i vårt system" in draft.body
    assert "Not found in the ERP: order 999999" in draft.problem_messages()
    assert not draft.unverified_claims  # the number is the customer's own: shown as theirs, not verified
    assert {claim["state"] for claim in draft.customer_claims if claim["text"] == "999999"} == {"customer"}
    assert not [claim for claim in draft.claims if claim["text"] == "999999" and claim["verified"]]
    assert draft.confidence < 0.9


def test_another_customers_order_is_flagged(seeded: None, agent: Any) -> None:
    message = customer_message(
        sender="logistics@fjordtrade.no", subject="Order", body="Hello, what is the status of order 100231?"
    )
    draft = draft_for(message)
    assert Flag.OTHER_CUSTOMER in draft.flags
    assert "order 100231 belongs to another ERP customer than the sender" in draft.problem_messages()
    with pytest.raises(services.NotAllowed):
        services.approve_draft(draft=draft, user=agent, expected_version=draft.version)


def test_a_template_that_breaks_when_rendered_fails_the_draft_with_the_reason(demo_message: Any) -> None:
    ReplyTemplate.objects.filter(intent="delivery_eta", language="sv").update(
        body='{% include "secret.txt" %}'
    )
    draft = draft_for(demo_message("Var är min order 100231?"))
    assert draft.status == Draft.Status.FAILED
    assert "reply template" in draft.failure_reason
    assert "secret.txt" in draft.failure_reason


def test_a_message_naming_hundreds_of_numbers_costs_a_bounded_number_of_lookups(seeded: None) -> None:
    codes = " ".join(f"ABC-{i}" for i in range(300))
    orders = " ".join(f"order {100000 + i}" for i in range(100))
    message = customer_message(
        sender="inkop@bergstrom-bygg.se", subject="Lager", body=f"Hej, har ni {codes}? Och {orders}?"
    )
    draft = draft_for(message)
    assert draft.status == Draft.Status.READY
    # customer, 10 orders, 10 codes as products and then as shipments, recent orders
    assert len(draft.trace.tool_calls) <= 1 + 10 + 2 * 10 + 1
    assert "Not looked up, the message names too many: 90 more order (100010, 100011, 100012, ...)" in (
        draft.problem_messages()
    )
    assert Flag.MISSING_FACTS in draft.flags
