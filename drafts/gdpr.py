"""Drafting's GDPR section (``helpdesk.gdpr.base``): the drafts written to the subject with their
versions, traces and citations, and the email memory learned from them.

Erasure blanks the texts of drafts on the subject's own tickets and of drafts answering their mail
(every version, the trace's facts and context, the citations' values), deletes the email-memory entries
made from them (later drafts must not quote the person), and in other drafts replaces only the
subject's addresses and names.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Q

from drafts.models import Citation, Draft, DraftRevision, DraftTrace, ReplyMemory
from helpdesk.gdpr.base import ExportFile, Subject, fields_of
from helpdesk.gdpr.rows import OWN, message_ids, own_ticket_ids

DRAFT_FIELDS = (
    "id",
    "ticket_id",
    "in_reply_to_id",
    "status",
    "subject",
    "body",
    "ai_subject",
    "ai_body",
    "language",
    "intent",
    "flags",
    "claims",
    "problems",
    "instruction",
    "rejection_reason",
    "version",
    "approved_at",
    "rejected_at",
    "created_at",
)
TEXTS = ("subject", "body", "ai_subject", "ai_body", "instruction", "rejection_reason", "failure_reason")


def _own(subject: Subject) -> Q:
    return Q(ticket_id__in=own_ticket_ids(subject)) | Q(in_reply_to_id__in=message_ids(subject, OWN))


class DraftSection:
    name = "drafts"

    def export(self, subject: Subject) -> Iterator[dict[str, Any]]:
        rows = Draft.objects.filter(_own(subject)).order_by("pk").prefetch_related("revisions", "citations")
        for draft in rows.iterator(chunk_size=100):
            row = fields_of(draft, DRAFT_FIELDS)
            row["versions"] = [
                fields_of(revision, ("version", "kind", "author_label", "subject", "body", "created_at"))
                for revision in draft.revisions.all()
            ]
            row["citations"] = [
                fields_of(citation, ("fact_id", "label", "value", "source_system", "source_key"))
                for citation in draft.citations.all()
            ]
            yield row

    def files(self, subject: Subject) -> Iterator[ExportFile]:
        return iter(())

    def erase(self, subject: Subject) -> int:
        own = list(Draft.objects.filter(_own(subject)).values_list("pk", flat=True))
        changed = Draft.objects.filter(pk__in=own).update(
            **dict.fromkeys(TEXTS, ""), claims=[], problems=[], understanding={}, withheld=[]
        )
        DraftRevision.objects.filter(draft_id__in=own).update(subject="", body="", diff="")
        DraftTrace.objects.filter(draft_id__in=own).update(tool_calls=[], facts=[], context={})
        Citation.objects.filter(draft_id__in=own).update(value="")
        changed += ReplyMemory.objects.filter(draft_id__in=own).delete()[0]
        others = Draft.objects.exclude(pk__in=own).filter(subject.mentions("subject", "body", "ai_body"))
        for draft in others:
            values = {name: subject.redact_text(getattr(draft, name)) for name in TEXTS}
            changed += Draft.objects.filter(pk=draft.pk).update(**values)
        return changed


SECTIONS = (DraftSection(),)
