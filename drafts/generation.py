"""Creating and generating drafts: the request when a customer writes, the pipeline run on the ``mail``
cluster, and storing its outcome (``ready`` with trace, citations and the AI's revision, or ``failed``
with the reason). What operators do with a draft afterwards is in ``drafts.services``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from drafts import pipeline
from drafts.composed import DraftingFailed, json_value
from drafts.errors import InvalidInput
from drafts.files import add_file
from drafts.models import Citation, Draft, DraftAttachment, DraftRevision, DraftTrace
from drafts.verify import CUSTOMER, UNVERIFIED
from helpdesk.audit import audit
from helpdesk.logs import bind
from helpdesk.models import AuditEvent, Message, Ticket
from integrations import get_connector
from integrations.base import Connector, ConnectorError, Fact

logger = logging.getLogger(__name__)
TASK = "drafts.tasks.generate_draft"
QUEUE = "mail"


def schedule_draft(*, message_id: int) -> None:
    """Draft a reply to customer message ``message_id`` on the ``mail`` cluster. Idempotent: a second
    call for the same message creates no second draft. Older open drafts of the ticket are superseded."""
    draft = create_draft(message_id=message_id)
    if draft is not None:
        transaction.on_commit(lambda: enqueue_generation(draft_id=draft.pk))


def create_draft(*, message_id: int) -> Draft | None:
    """The ``generating`` draft for ``message_id``; None when one exists or the message needs none."""
    message = Message.objects.select_related("ticket").filter(pk=message_id).first()
    if message is None or message.direction != Message.Direction.INBOUND or message.is_auto_reply:
        logger.info("no draft for message %s: not a customer message", message_id)
        return None
    if Draft.objects.filter(in_reply_to=message, supersedes__isnull=True).exists():
        return None
    try:
        with transaction.atomic():
            _supersede_older(ticket=message.ticket, message=message)
            draft = Draft.objects.create(ticket=message.ticket, in_reply_to=message)
            audit(action="draft.requested", obj=draft, system="drafts", data={"message": message.pk})
    except IntegrityError:
        return None  # a concurrent call created it first
    return draft


def enqueue_generation(*, draft_id: int) -> None:
    async_task(TASK, draft_id, cluster=QUEUE, task_name=f"draft-{draft_id}")


def generate_draft(*, draft_id: int, connector: Connector | None = None, chat_model: Any = None) -> Draft:
    """Run the pipeline for a ``generating`` draft and store the result (``ready`` or ``failed``).

    A duplicate task is harmless: only the run that finds the draft still ``generating`` writes.
    """
    draft = Draft.objects.select_related("ticket__contact", "in_reply_to__contact").get(pk=draft_id)
    bind(draft_id=draft.pk, ticket_id=draft.ticket_id, message_id=draft.in_reply_to_id)
    if draft.status != Draft.Status.GENERATING:
        return draft
    try:
        outcome = pipeline.run(
            ticket=draft.ticket,
            message=draft.in_reply_to,
            connector=connector or default_connector(),
            instruction=draft.instruction,
            chat_model=chat_model,
        )
    except ConnectorError as exc:
        return _fail(draft, _("ERP connector unusable: %(error)s") % {"error": exc}, {})
    except DraftingFailed as exc:
        return _fail(draft, exc.reason, exc.trace, transient=exc.transient)
    except Exception as exc:
        # A bug must not leave the draft "generating" for ever: fail it visibly, details in the log
        # (only the type in the reason: a message may quote connection strings or mail text).
        logger.exception("drafting %s failed unexpectedly", draft.pk)
        reason = _("Drafting failed unexpectedly (%(error)s); regenerate the draft or write the reply.")
        return _fail(draft, reason % {"error": type(exc).__name__}, {})
    return _store(draft, outcome)


def default_connector() -> Connector:
    connector: Connector = get_connector()
    return connector


def _store(draft: Draft, outcome: pipeline.Outcome) -> Draft:
    values = {
        "status": Draft.Status.READY,
        "subject": outcome.subject,
        "body": outcome.body,
        "ai_subject": outcome.subject,
        "ai_body": outcome.body,
        "language": outcome.language,
        "intent": outcome.intent,
        "confidence": outcome.confidence,
        "flags": outcome.flags,
        "claims": outcome.claims,
        "problems": outcome.problems,
        "understanding": outcome.understanding,
        "withheld": outcome.withheld,
        "updated_at": timezone.now(),
    }
    with transaction.atomic():
        updated = Draft.objects.filter(pk=draft.pk, status=Draft.Status.GENERATING).update(**values)
        if not updated:
            draft.refresh_from_db()
            return draft  # superseded while generating, or finished by a duplicate task
        for name, value in values.items():
            setattr(draft, name, value)
        _save_trace(draft, outcome.trace)
        Citation.objects.bulk_create([_citation(draft, fact) for fact in outcome.citations])
        for document in outcome.documents:
            add_file(draft, None, document.filename, document.data, source=DraftAttachment.Source.ERP)
        DraftRevision.objects.create(
            draft=draft,
            kind=DraftRevision.Kind.AI,
            version=draft.version,
            author_label=f"ai:{outcome.trace.get('drafter', '')}",
            subject=outcome.subject,
            body=outcome.body,
        )
        Ticket.objects.filter(pk=draft.ticket_id).update(language=outcome.language, intent=outcome.intent)
        audit(
            action="draft.ready",
            obj=draft,
            system=f"ai:{outcome.trace.get('drafter', '')}",
            data={
                "intent": outcome.intent,
                "language": outcome.language,
                "confidence": outcome.confidence,
                "flags": outcome.flags,
                "unverified": sum(1 for c in outcome.claims if c["state"] == UNVERIFIED),
                "customer_stated": sum(1 for c in outcome.claims if c["state"] == CUSTOMER),
                "citations": len(outcome.citations),
                "withheld": [f"{item['what']} {item['key']}" for item in outcome.withheld],
                "attached": [document.filename for document in outcome.documents],
                "model": outcome.trace.get("model_name") or outcome.trace.get("drafter"),
            },
        )
    return draft


def _fail(draft: Draft, reason: str, trace: dict[str, Any], *, transient: bool = False) -> Draft:
    with transaction.atomic():
        updated = Draft.objects.filter(pk=draft.pk, status=Draft.Status.GENERATING).update(
            status=Draft.Status.FAILED, failure_reason=reason[:2000], updated_at=timezone.now()
        )
        draft.refresh_from_db()
        if not updated:
            return draft
        _save_trace(draft, trace)
        audit(
            action="draft.failed",
            obj=draft,
            system=f"ai:{trace.get('drafter', 'pipeline')}",
            data={"reason": reason, "transient": transient},
        )
    return draft


def _save_trace(draft: Draft, trace: dict[str, Any]) -> None:
    # A draft is generated once (regenerating makes a new draft), so it has no trace yet.
    DraftTrace.objects.create(
        draft=draft,
        drafter=trace.get("drafter", ""),
        drafter_version=trace.get("drafter_version", ""),
        model_name=trace.get("model_name", ""),
        prompt_version=trace.get("prompt_version", ""),
        tool_calls=trace.get("tool_calls", []),
        facts=trace.get("facts", []),
        context=trace.get("context", {}),
        timings_ms=trace.get("timings_ms", {}),
        input_tokens=trace.get("input_tokens"),
        output_tokens=trace.get("output_tokens"),
        attempts=trace.get("attempts", 0),
    )


def _citation(draft: Draft, fact: Fact) -> Citation:
    value = fact.value
    return Citation(
        draft=draft,
        fact_id=fact.id[:200],
        label=fact.label[:200],
        value="" if value is None else str(json_value(value)),
        source_system=fact.source.system,
        source_record_type=fact.source.record_type,
        source_key=fact.source.key[:200],
        source_url=fact.source.url[:500],
        fetched_at=fact.source.fetched_at,
    )


def _supersede_older(*, ticket: Ticket, message: Message) -> None:
    """A newer customer message makes the drafter's open drafts for earlier ones obsolete; a reply a
    person is writing stays theirs to finish or discard."""
    older = Draft.objects.filter(ticket=ticket, status__in=Draft.OPEN_STATUSES, kind=Draft.Kind.AI).exclude(
        in_reply_to=message
    )
    for old in older.select_for_update():
        Draft.objects.filter(pk=old.pk).update(status=Draft.Status.SUPERSEDED, version=F("version") + 1)
        audit(action="draft.superseded", obj=old, system="drafts", data={"newer_message": message.pk})


def draft_now(*, message_id: int, connector: Connector | None = None) -> tuple[Draft, bool]:
    """Draft a reply to ``message_id`` in this process (``manage.py draft_replies``).

    Returns (draft, made_now). An open or finished draft is returned as it is; a failed one is
    replaced by a new attempt; a stuck ``generating`` one is generated here.
    """
    existing = (
        Draft.objects.filter(in_reply_to_id=message_id)
        .exclude(status=Draft.Status.SUPERSEDED)
        .order_by("-pk")
        .first()
    )
    if existing is None:
        draft = create_draft(message_id=message_id)
        if draft is None:
            raise InvalidInput(
                _("Message %(id)s is not a customer message to reply to.") % {"id": message_id}
            )
    elif existing.status == Draft.Status.FAILED:
        draft = _replace_failed(existing, retry=0)
    elif existing.status == Draft.Status.GENERATING:
        draft = existing
    else:
        return existing, False
    return generate_draft(draft_id=draft.pk, connector=connector), True


def _replace_failed(existing: Draft, *, retry: int) -> Draft:
    """A new ``generating`` draft in place of the failed ``existing`` (``retry``: the automatic retry
    it is, 0 when a person asked)."""
    with transaction.atomic():
        Draft.objects.filter(pk=existing.pk).update(status=Draft.Status.SUPERSEDED, version=F("version") + 1)
        draft = Draft.objects.create(
            ticket_id=existing.ticket_id,
            in_reply_to_id=existing.in_reply_to_id,
            supersedes=existing,
            version=existing.version + 1,  # the reply's versions go on counting
        )
        audit(action="draft.superseded", obj=existing, system="drafts", data={"by": draft.pk})
        data = {"retry_of": existing.pk, **({"retry": retry} if retry else {})}
        audit(action="draft.requested", obj=draft, system="drafts", data=data)
    return draft


def retry_failed_drafts(*, now: datetime | None = None) -> int:
    """Draft again, on the ``mail`` cluster, the replies whose draft failed for a reason that passes
    (the model timed out, was unreachable or answered garbage), once the back-off after the failure
    (``DRAFT_RETRY_MINUTES``, doubling) has passed, at most ``DRAFT_AUTO_RETRIES`` times in a row.
    A draft that fails for good stays failed and visible for a person. Returns the drafts requested."""
    now = now or timezone.now()
    failed = Draft.objects.filter(status=Draft.Status.FAILED, superseded_by__isnull=True)
    requested = 0
    for draft in failed.filter(updated_at__lte=now - timedelta(minutes=settings.DRAFT_RETRY_MINUTES)):
        events = AuditEvent.objects.filter(object_type="drafts.draft", object_id=str(draft.pk))
        failure = events.filter(action="draft.failed").order_by("-pk").first()
        if failure is None or not failure.data.get("transient"):
            continue
        asked = events.filter(action="draft.requested").order_by("-pk").first()
        done = int((asked.data if asked else {}).get("retry", 0))
        wait = timedelta(minutes=settings.DRAFT_RETRY_MINUTES * 2**done)
        if done >= settings.DRAFT_AUTO_RETRIES or draft.updated_at > now - wait:
            continue
        transaction.on_commit(partial(enqueue_generation, draft_id=_replace_failed(draft, retry=done + 1).pk))
        requested += 1
    return requested
