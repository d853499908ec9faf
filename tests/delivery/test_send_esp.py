"""Sending through anymail: its test backend, Postmark's and Amazon SES's real backends pointed at a local
HTTP server that answers like the ESP (the one thing mocked: the ESP's API), and the SMTP fallback."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core import mail

from delivery import dkim
from delivery.models import OutboundMessage
from delivery.queue import send_pass
from tests.delivery.helpers import parsed, queue
from tests.services import SmtpSink, free_port

pytestmark = pytest.mark.django_db
Status = OutboundMessage.Status


class FakeEsp:
    """An HTTP server answering each request with the next scripted answer: (status, json) or "hang"."""

    def __init__(self) -> None:
        self.answers: list[Any] = []
        self.requests: list[tuple[str, dict[str, Any]]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                fake.requests.append((self.path, body))
                answer = fake.answers.pop(0) if fake.answers else (200, fake.ok(body))
                if answer == "hang":
                    time.sleep(3)
                    return
                status, payload = answer
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    @staticmethod
    def ok(body: dict[str, Any]) -> dict[str, Any]:
        if "Content" in body:  # Amazon SES v2
            return {"MessageId": "ses-0001"}
        return {"To": body.get("To", ""), "MessageID": "pm-0001", "ErrorCode": 0, "Message": "OK"}

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def esp() -> Iterator[FakeEsp]:
    server = FakeEsp()
    yield server
    server.stop()


@pytest.fixture
def relay_sink(smtp_sink_server: SmtpSink) -> SmtpSink:
    """The plain SMTP sink, emptied, for a fallback transport (EMAIL_* stay on the ESP)."""
    smtp_sink_server.handler.reset()
    return smtp_sink_server


@pytest.fixture
def postmark(esp: FakeEsp, settings: Any) -> FakeEsp:
    settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    settings.ANYMAIL = {
        "POSTMARK_SERVER_TOKEN": "test-token",
        "POSTMARK_API_URL": esp.url,
        "REQUESTS_TIMEOUT": 1,
    }
    return esp


def test_the_anymail_test_backend_gets_the_parts_and_the_threading_headers(settings: Any) -> None:
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    outbound = queue(cc=["kollega@kund.example"], bcc=["arkiv@nordlager.example"])
    assert send_pass().counts["sent"] == 1
    (sent,) = mail.outbox
    assert sent.to == ["kund@kund.example"] and sent.cc == ["kollega@kund.example"]
    assert sent.bcc == ["arkiv@nordlager.example"]
    assert sent.extra_headers["Message-ID"] == outbound.message_id
    assert sent.extra_headers["In-Reply-To"] == outbound.in_reply_to
    assert [content_type for _, content_type in getattr(sent, "alternatives", [])] == ["text/html"]


def test_postmark_success_records_the_providers_id(postmark: FakeEsp) -> None:
    outbound = queue()
    send_pass()
    outbound.refresh_from_db()
    assert (outbound.status, outbound.esp_message_id) == (Status.SENT, "pm-0001")
    path, body = postmark.requests[0]
    assert path.endswith("/email") and body["To"] == "kund@kund.example"
    headers = {item["Name"]: item["Value"] for item in body["Headers"]}
    assert headers["Message-ID"] == outbound.message_id


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        ((500, {"ErrorCode": 500, "Message": "Internal"}), Status.DEFERRED),
        ((429, {"ErrorCode": 429, "Message": "Rate limit"}), Status.DEFERRED),
        ((401, {"ErrorCode": 10, "Message": "Bad token"}), Status.DEFERRED),
        ((422, {"ErrorCode": 300, "Message": "Invalid email request"}), Status.FAILED),
        ("hang", Status.UNCERTAIN),
    ],
)
def test_postmark_answers_map_to_retry_fail_or_uncertain(postmark: FakeEsp, answer: Any, status: str) -> None:
    postmark.answers.append(answer)
    outbound = queue()
    send_pass()
    outbound.refresh_from_db()
    assert outbound.status == status
    assert len(postmark.requests) == 1
    assert outbound.delivery_attempts.get().transport == "default"


def test_an_unreachable_esp_is_deferred(settings: Any) -> None:
    settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "t", "POSTMARK_API_URL": f"http://127.0.0.1:{free_port()}/"}
    outbound = queue()
    send_pass()
    outbound.refresh_from_db()
    assert outbound.status == Status.DEFERRED and "cannot reach" in outbound.last_error


@pytest.mark.parametrize("failure", ["5xx", "unreachable"])
def test_the_smtp_fallback_takes_over_without_a_double_send(
    failure: str, postmark: FakeEsp, relay_sink: SmtpSink, settings: Any
) -> None:
    if failure == "unreachable":
        settings.ANYMAIL = {**settings.ANYMAIL, "POSTMARK_API_URL": f"http://127.0.0.1:{free_port()}/"}
    else:
        postmark.answers.append((503, {"ErrorCode": 503, "Message": "Unavailable"}))
    settings.DELIVERY_TRANSPORTS = {"relay": f"smtp://{relay_sink.host}:{relay_sink.port}"}
    settings.DELIVERY_FALLBACK = "relay"
    outbound = queue()
    send_pass()
    outbound.refresh_from_db()
    assert outbound.status == Status.SENT and outbound.transport == "relay"
    assert [(a.transport, a.outcome) for a in outbound.delivery_attempts.all()] == [
        ("default", "deferred"),
        ("relay", "sent"),
    ]
    assert len(relay_sink.messages) == 1
    assert len(postmark.requests) == (1 if failure == "5xx" else 0)


def test_an_uncertain_esp_send_is_not_handed_to_the_fallback(
    postmark: FakeEsp, relay_sink: SmtpSink, settings: Any
) -> None:
    postmark.answers.append("hang")
    settings.DELIVERY_TRANSPORTS = {"relay": f"smtp://{relay_sink.host}:{relay_sink.port}"}
    settings.DELIVERY_FALLBACK = "relay"
    outbound = queue()
    send_pass()
    outbound.refresh_from_db()
    assert outbound.status == Status.UNCERTAIN
    assert relay_sink.messages == []


def test_amazon_ses_sends_our_raw_mime_signed_by_us(
    esp: FakeEsp, settings: Any, dkim_keys: dict[str, str]
) -> None:
    pytest.importorskip("boto3")
    settings.EMAIL_BACKEND = "anymail.backends.amazon_ses.EmailBackend"
    settings.ANYMAIL = {
        "AMAZON_SES_CLIENT_PARAMS": {
            "endpoint_url": esp.url.rstrip("/"),
            "region_name": "eu-north-1",
            "aws_access_key_id": "test",
            "aws_secret_access_key": "test",
        }
    }
    outbound = queue(bcc=["arkiv@nordlager.example"])
    send_pass()
    outbound.refresh_from_db()
    assert (outbound.status, outbound.esp_message_id) == (Status.SENT, "ses-0001")
    path, body = esp.requests[0]
    assert path == "/v2/email/outbound-emails"
    assert "arkiv@nordlager.example" in body["Destination"]["BccAddresses"]
    raw = base64.b64decode(body["Content"]["Raw"]["Data"])
    assert parsed(raw)["Message-ID"] == outbound.message_id
    assert [v.valid for v in dkim.verify_all(raw, dkim_keys)] == [True, True]
