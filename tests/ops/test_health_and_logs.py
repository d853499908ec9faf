"""Health endpoints for a load balancer (no login, no personal data) and JSON logs that name ids."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pythonjsonlogger.json import JsonFormatter

from delivery.models import OutboundMessage
from helpdesk.logs import ContextFilter, log_context
from helpdesk.models import Mailbox
from tests.delivery.helpers import queue
from tests.factories import MessageFactory
from tests.services import free_port

pytestmark = pytest.mark.django_db


def test_liveness_answers_without_login_or_database(client: Client, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        response = client.get("/health/live")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_readiness_reports_every_part_and_names_no_person(client: Client) -> None:
    Mailbox.objects.create(
        name="karin.kund@kund.example",
        host="imap.kund.example",
        username="karin.kund@kund.example",
        email_address="karin.kund@kund.example",
        consecutive_failures=3,
        last_error="login failed for karin.kund@kund.example",
    )
    response = client.get("/health/ready")
    body = response.json()
    assert set(body["checks"]) == {"database", "cache", "broker", "clusters", "mailboxes", "transports"}
    assert body["checks"]["database"]["ok"] and body["checks"]["cache"]["ok"]
    assert body["checks"]["mailboxes"] == {**body["checks"]["mailboxes"], "ok": False, "failing": 1}
    assert body["checks"]["clusters"]["ok"] is False  # no cluster runs in this test
    assert response.status_code == 200 and body["status"] == "degraded"  # the web process can serve
    assert "@" not in response.content.decode() and "kund" not in response.content.decode()


def test_readiness_fails_when_the_cache_is_unreachable(client: Client, settings: Any) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/7",
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["status"] == "fail"
    assert response.json()["checks"]["cache"] == {**response.json()["checks"]["cache"], "ok": False}


def test_a_queue_nobody_sends_makes_transports_unhealthy(client: Client, settings: Any) -> None:
    outbound = queue()
    OutboundMessage.objects.filter(pk=outbound.pk).update(created_at=timezone.now() - timedelta(hours=2))
    transports = client.get("/health/ready").json()["checks"]["transports"]
    assert transports["ok"] is False and transports["due_waiting_seconds"] >= 7000


def test_health_is_reachable_over_plain_http_when_https_is_enforced(client: Client, settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/health/live").status_code == 200
    assert client.get("/health/ready").status_code in (200, 503)
    assert client.get("/").status_code == 301


@pytest.fixture
def json_log(settings: Any) -> Iterator[io.StringIO]:
    """The console handler as settings.LOGGING builds it for LOG_FORMAT=json, writing to a buffer."""
    settings.LOG_FORMAT = "json"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    config = settings.LOGGING["formatters"]["json"]
    handler.setFormatter(JsonFormatter(config["fmt"], rename_fields=config["rename_fields"]))
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_json_logs_name_the_request_and_ticket_and_no_address(
    client: Client, agent: Any, json_log: io.StringIO
) -> None:
    message = MessageFactory.create(from_address="karin@kund.example")
    message.ticket.queue = None
    message.ticket.save()
    client.force_login(agent)

    response = client.get(f"/tickets/{message.ticket_id}/", HTTP_X_REQUEST_ID="lb-4711")
    with log_context(message_id=message.pk):
        logging.getLogger("helpdesk.test").warning("could not reach %s", "karin@kund.example")

    assert response.status_code == 200 and response["X-Request-ID"] == "lb-4711"
    records = lines(json_log)
    request = next(r for r in records if r["logger"] == "helpdesk.request")
    assert request["request_id"] == "lb-4711" and request["ticket_id"] == message.ticket_id
    assert request["status"] == 200 and request["message"] == "GET /tickets/<int:pk>/ 200"
    warning = next(r for r in records if r["logger"] == "helpdesk.test")
    assert warning["message"] == "could not reach [address]" and warning["message_id"] == message.pk
    assert "kund.example" not in json_log.getvalue()


def test_a_request_id_that_is_not_a_plain_token_is_replaced(client: Client) -> None:
    response = client.get("/health/live", HTTP_X_REQUEST_ID="evil\nid with spaces")
    assert response["X-Request-ID"] != "evil\nid with spaces" and len(response["X-Request-ID"]) == 32


def test_the_filter_lets_a_malformed_log_call_through_for_logging_to_report() -> None:
    record = logging.LogRecord("helpdesk.test", logging.WARNING, __file__, 1, "%s and %s", ("one",), None)
    assert ContextFilter().filter(record) is True
    assert record.msg == "%s and %s"  # left for the handler's own error report
