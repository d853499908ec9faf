"""Two web processes (gunicorn) and two instances of each worker cluster (django-q2, Redis broker and
cache) on this machine against one PostgreSQL: every mail becomes one ticket message and one draft,
each draft is approved once although both web processes are asked at the same moment (both
answer 200: approving is idempotent), and each reply
reaches the SMTP server once although several workers run send passes at once."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from delivery.models import OutboundMessage
from drafts.models import Draft
from helpdesk.models import AuditEvent, InboundEmail, Message
from helpdesk.web.api.tokens import create_api_token
from tests.conftest import missing_service
from tests.delivery.helpers import parsed
from tests.factories import UserFactory
from tests.helpdesk.ingest_support import add_imap_mailbox, is_postgresql, make_mail
from tests.ops.scale import Fleet, enqueue, flush_redis, http, redis_available, wait_until
from tests.services import Dovecot, SmtpSink

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("data_migrations"),
    pytest.mark.slow,
    pytest.mark.skipif(not is_postgresql(), reason="several processes need a database they share"),
]
MAILS = 12


@pytest.fixture
def fleet(smtp_sink_server: SmtpSink, tmp_path: Path) -> Iterator[Fleet]:
    if not redis_available():
        missing_service("Redis is not reachable at HELPDESK_TEST_REDIS_URL")
    flush_redis()
    smtp_sink_server.handler.reset()
    env = Fleet.environment(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST=smtp_sink_server.host,
        EMAIL_PORT=str(smtp_sink_server.port),
        EMAIL_USE_TLS="0",
    )
    running = Fleet(env=env, log_dir=tmp_path)
    yield running
    running.stop()
    flush_redis()


def arrivals(sink: SmtpSink) -> Counter[str]:
    return Counter(str(parsed(mail.data)["Message-ID"]) for mail in sink.messages)


def test_two_web_processes_and_two_workers_per_cluster_do_no_work_twice(
    fleet: Fleet, dovecot: Dovecot, imap_account: tuple[str, str], smtp_sink_server: SmtpSink
) -> None:
    for number in range(MAILS):
        dovecot.append(*imap_account, make_mail(subject=f"Skala {number}", body=f"Hej, fråga {number}."))
    mailbox = add_imap_mailbox(dovecot, *imap_account, name="scale")
    token = create_api_token(user=UserFactory.create(username="sune", role="supervisor")).key
    webs = [fleet.start_web(), fleet.start_web()]
    for name in ("mail", "mail", "bulk", "bulk"):
        fleet.start_cluster(name)

    # Both mail workers poll the same mailbox several times at once.
    enqueue(fleet.env, [("helpdesk.tasks.poll_mailbox", [mailbox.pk], "mail")] * 6)
    wait_until(
        lambda: Draft.objects.filter(status=Draft.Status.READY).count() >= MAILS,
        timeout=240, what="a ready draft per mail", fleet=fleet,
    )  # fmt: skip
    status, health = http(webs[1], "/health/ready")
    assert status == 200 and health["checks"]["clusters"]["alive"] == 4, health

    # Each draft approved through both web processes at the same moment: approval is idempotent, so
    # both answer 200, and one approval with one queued reply is what remains.
    answers: list[int] = []
    for draft in Draft.objects.filter(status=Draft.Status.READY):
        threads = [
            threading.Thread(
                target=lambda port=port, draft=draft: answers.append(
                    http(
                        port,
                        f"/api/drafts/{draft.pk}/approve/",
                        method="POST",
                        token=token,
                        body={"version": draft.version},
                    )[0]
                )
            )  # fmt: skip
            for port in webs
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert Counter(answers) == {200: 2 * MAILS}, Counter(answers)
    enqueue(fleet.env, [("delivery.tasks.send_due_all", [], "mail")] * 4)  # passes racing each other
    wait_until(
        lambda: OutboundMessage.objects.filter(status=OutboundMessage.Status.SENT).count() == MAILS,
        timeout=180, what="every reply sent", fleet=fleet,
    )  # fmt: skip

    assert InboundEmail.objects.count() == MAILS
    assert Message.objects.filter(direction=Message.Direction.INBOUND).count() == MAILS
    assert Draft.objects.exclude(status=Draft.Status.SUPERSEDED).count() == MAILS
    assert OutboundMessage.objects.count() == MAILS
    assert AuditEvent.objects.filter(action="draft.approved").count() == MAILS
    assert AuditEvent.objects.filter(action="outbound.sent").count() == MAILS
    seen: dict[str, Any] = arrivals(smtp_sink_server)
    assert seen == {m.message_id: 1 for m in OutboundMessage.objects.all()}
