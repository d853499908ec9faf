"""Mail that arrives through an ESP's inbound webhook (anymail's ``inbound`` signal) takes the same path
as mail fetched over IMAP: its raw bytes are stored as an ``InboundEmail`` (without a mailbox), and a
task processes it (parse, deduplicate, thread, ticket, draft) once the request has committed. anymail's
view has checked the webhook secret and the ESP's signature before the signal is sent."""

from __future__ import annotations

from typing import Any

from anymail.signals import inbound
from django.db import transaction
from django_q.tasks import async_task

from helpdesk.ingest.services import store_raw_email

TASK = "helpdesk.tasks.process_webhook_mail"


def receive_inbound(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    message = event.message
    if message is None:
        return
    raw = message.as_bytes()
    store_raw_email(raw=raw)
    transaction.on_commit(lambda: async_task(TASK, cluster="mail", task_name="webhook-mail"), robust=True)


def connect() -> None:
    inbound.connect(receive_inbound, dispatch_uid="helpdesk.ingest.webhooks.receive_inbound")
