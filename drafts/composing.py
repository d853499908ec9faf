"""Replies and forwards an operator writes: started on any ticket (without an AI draft, after a
rejection, after an approval for a follow-up), then saved, checked and approved through
``drafts.services`` like the drafter's text, so the review policy, the verification marks, the undo
window, the audit log and the outbound queue are the same. This module adds what only a person's
text has: starting it, its files (uploads, files of the conversation, the ERP's invoice copy) and
saved replies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.template import Context, Engine, TemplateSyntaxError
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from drafts import pipeline, policy
from drafts.errors import InvalidInput, NotAllowed
from drafts.files import add_file
from drafts.generation import default_connector
from drafts.models import Draft, DraftAttachment, DraftRevision, DraftTrace, SavedReply
from drafts.recipients import Recipients
from drafts.services import edit_draft, locked_draft
from helpdesk import limits, roles
from helpdesk.audit import audit
from helpdesk.models import Attachment, Message, Ticket
from integrations.base import Connector, ConnectorError, NotFound, offers_documents

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import UploadedFile

# What may be attached: documents, images, text, spreadsheets and archives; never programs or scripts.
ALLOWED_EXTENSIONS = frozenset(
    [
        "pdf",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "webp",
        "heic",
        "tif",
        "tiff",
        "txt",
        "csv",
        "xml",
        "json",
        "eml",
        "doc",
        "docx",
        "xls",
        "xlsx",
        "ods",
        "odt",
        "ppt",
        "pptx",
        "zip",
    ]
)
_ENGINE = Engine(autoescape=False)


@dataclass
class Changes:
    """One save of the composer: text, recipients and file changes, as the operator sent them."""

    subject: str
    body: str
    recipients: Recipients | None = None
    uploads: Sequence[UploadedFile] = ()
    thread_files: Sequence[int] = ()  # ids of attachments of the ticket's mail to add
    remove: Sequence[int] = ()  # ids of the draft's attachments to remove
    saved_reply: int | None = None  # a saved reply to add at the end of the text
    invoice: str = ""  # an invoice number whose copy the ERP is to attach
    extra: list[str] = field(default_factory=list)  # filled in: names of the files added


# Starting --------------------------------------------------------------------------------------------
def start_reply(
    *, ticket: Ticket, user: User, from_draft: Draft | None = None, connector: Connector | None = None
) -> Draft:
    """A reply written by ``user`` to the ticket's latest customer mail: empty, or starting from the
    text of ``from_draft`` (an AI draft of this ticket; its version count goes on)."""
    if from_draft is not None and from_draft.ticket_id != ticket.pk:
        raise NotAllowed(_("That draft belongs to another ticket."))
    subject = from_draft.subject if from_draft else _reply_subject(ticket)
    body = from_draft.body if from_draft else ""
    return _start(
        ticket=ticket,
        user=user,
        kind=Draft.Kind.REPLY,
        subject=subject,
        body=body,
        version=from_draft.version + 1 if from_draft else 1,
        connector=connector,
    )


def start_forward(*, ticket: Ticket, user: User, connector: Connector | None = None) -> Draft:
    """A forward of the ticket's conversation to a third party (a carrier, a supplier): the thread
    quoted below an empty space for the operator's words; recipients and files are chosen next."""
    quoted = quote_thread(ticket)
    return _start(
        ticket=ticket,
        user=user,
        kind=Draft.Kind.FORWARD,
        subject=f"Fwd: {ticket.subject}"[: limits.SUBJECT],
        body=f"\n\n{quoted}",
        version=1,
        connector=connector,
        trusted=[quoted],
    )


def _start(
    *,
    ticket: Ticket,
    user: User,
    kind: str,
    subject: str,
    body: str,
    version: int,
    connector: Connector | None,
    trusted: Sequence[str] = (),
) -> Draft:
    if not roles.is_staff_member(user) or not policy.can_see_ticket(user, ticket.pk):
        raise NotAllowed(_("You may not work on this ticket."))
    message = latest_customer_message(ticket)
    if message is None:
        raise InvalidInput(_("This ticket has no mail from the customer to answer."))
    grounded = pipeline.ground_message(
        ticket=ticket, message=message, connector=connector or default_connector()
    )
    grounded.context["trusted_texts"] = [*grounded.context.get("trusted_texts", []), *trusted]
    claims = pipeline.check_reply(
        subject,
        body,
        facts=pipeline.facts_from_json(grounded.facts),
        trusted_texts=grounded.context["trusted_texts"],
        message=message,
        ticket=ticket,
    )
    flags = pipeline.flags_for(grounded.understood.risk_flags, grounded.problems, claims)
    with transaction.atomic():
        draft = Draft.objects.create(
            ticket=ticket,
            in_reply_to=message,
            kind=kind,
            status=Draft.Status.EDITED,
            subject=subject,
            body=body,
            language=grounded.understood.language,
            intent=grounded.understood.intent,
            confidence=1.0,
            flags=flags,
            claims=[claim.as_dict() for claim in claims],
            problems=grounded.problems,
            understanding=grounded.understood.as_dict(),
            withheld=grounded.withheld,
            version=version,
            requested_by=user,
        )
        DraftTrace.objects.create(
            draft=draft,
            drafter="operator",
            drafter_version="1",
            facts=grounded.facts,
            context=grounded.context,
        )
        DraftRevision.objects.create(
            draft=draft,
            kind=DraftRevision.Kind.EDIT,
            version=version,
            author=user,
            author_label=user.get_username(),
            subject=subject,
            body=body,
        )
        audit(action="draft.composed", obj=draft, actor=user, data={"kind": kind, "version": version})
    return draft


def latest_customer_message(ticket: Ticket) -> Message | None:
    return (
        Message.objects.filter(ticket=ticket, direction=Message.Direction.INBOUND)
        .order_by("-created_at", "-pk")
        .first()
    )


def _reply_subject(ticket: Ticket) -> str:
    subject = ticket.subject.strip()
    return subject if subject.lower().startswith(("re:", "sv:")) else f"Re: {subject}"[: limits.SUBJECT]


def quote_thread(ticket: Ticket) -> str:
    """The ticket's mail (not its internal notes), oldest first, each with sender, date and subject."""
    parts = []
    for message in ticket.messages.exclude(direction=Message.Direction.NOTE).order_by("created_at", "pk"):
        header = "\n".join(
            [
                "---------- " + _("Forwarded message") + " ----------",
                _("From: %(sender)s") % {"sender": message.from_address},
                _("Date: %(date)s")
                % {"date": formats.date_format(timezone.localtime(message.created_at), "DATETIME_FORMAT")},
                _("Subject: %(subject)s") % {"subject": message.subject},
            ]
        )
        parts.append(f"{header}\n\n{message.display_text.strip()}")
    return "\n\n".join(parts)


# Saving ----------------------------------------------------------------------------------------------
def save_composition(*, draft: Draft, user: User, expected_version: int, changes: Changes) -> Draft:
    """Save the composer: files first (refused files change nothing), then the text and recipients
    through ``edit_draft``, which verifies the text again; one new version for all of it."""
    _check_uploads(changes.uploads)
    with transaction.atomic():
        current = locked_draft(draft, user, expected_version, allowed=Draft.REVIEWABLE_STATUSES)
        body = changes.body
        if changes.saved_reply is not None:
            body = f"{body.rstrip()}\n\n{fill_saved_reply(current, user, changes.saved_reply)}".lstrip("\n")
        changed = _change_files(current, user, changes)
        if changes.invoice.strip():
            attach_invoice(current, user, changes.invoice.strip())
            changed = True
        if current.attachments.count() > limits.ATTACHMENTS:
            raise InvalidInput(
                _("At most %(limit)s files can go with one reply.") % {"limit": limits.ATTACHMENTS}
            )
        total = sum(current.attachments.values_list("size", flat=True))
        if total > limits.ATTACHMENTS_BYTES:
            raise InvalidInput(_too_large_together(total))
        return edit_draft(
            draft=current,
            user=user,
            subject=changes.subject,
            body=body,
            expected_version=expected_version,
            recipients=changes.recipients,
            files_changed=changed,
        )


def _change_files(draft: Draft, user: User, changes: Changes) -> bool:
    removed = list(draft.attachments.filter(pk__in=list(changes.remove)).values_list("filename", flat=True))
    draft.attachments.filter(pk__in=list(changes.remove)).delete()
    added = [
        add_file(draft, user, upload.name or "file", upload.read(), source="upload")
        for upload in changes.uploads
    ]
    # Only files of this ticket's own mail: an id from another ticket is not found here.
    for attachment in Attachment.objects.filter(
        pk__in=list(changes.thread_files), message__ticket_id=draft.ticket_id
    ):
        with attachment.file.open("rb") as handle:
            added.append(add_file(draft, user, attachment.filename, handle.read(), source="thread"))
    if removed or added:
        audit(
            action="draft.attachments_changed",
            obj=draft,
            actor=user,
            data={"added": [a.filename for a in added], "removed": removed},
        )
    return bool(removed or added)


def _check_uploads(uploads: Sequence[UploadedFile]) -> None:
    if len(uploads) > limits.ATTACHMENTS:
        raise InvalidInput(
            _("At most %(limit)s files can go with one reply.") % {"limit": limits.ATTACHMENTS}
        )
    for upload in uploads:
        name = upload.name or ""
        extension = name.rpartition(".")[2].lower() if "." in name else ""
        if extension not in ALLOWED_EXTENSIONS:
            raise InvalidInput(
                _("%(name)s cannot be sent: files of this type are not allowed (allowed: %(types)s).")
                % {"name": name[:100], "types": ", ".join(sorted(ALLOWED_EXTENSIONS))}
            )
        if (upload.size or 0) > limits.ATTACHMENT_BYTES:
            raise InvalidInput(
                _("%(name)s is too large (%(size)s); a file may be at most %(limit)s.")
                % {
                    "name": name[:100],
                    "size": _megabytes(upload.size or 0),
                    "limit": _megabytes(limits.ATTACHMENT_BYTES),
                }
            )
    total = sum(upload.size or 0 for upload in uploads)
    if total > limits.ATTACHMENTS_BYTES:
        raise InvalidInput(_too_large_together(total))


def _too_large_together(total: int) -> str:
    return _("The files are too large together (%(size)s); at most %(limit)s can go with one reply.") % {
        "size": _megabytes(total),
        "limit": _megabytes(limits.ATTACHMENTS_BYTES),
    }


def _megabytes(size: int) -> str:
    return _("%(size)s MB") % {"size": formats.number_format(size / (1024 * 1024), 1)}


# The ERP's documents ---------------------------------------------------------------------------------
def attach_invoice(
    draft: Draft, user: User, number: str, connector: Connector | None = None
) -> DraftAttachment:
    """Attach the ERP's copy of invoice ``number``, when the connector offers documents and the invoice
    is the customer's: the ERP customer of the mail's sender (the key that reached the ticket) must be
    the invoice's customer, for supervisors too."""
    connector = connector or default_connector()
    if not offers_documents(connector):
        raise InvalidInput(_("The ERP offers no invoice copies."))
    try:
        invoice = connector.get_invoice(number)
        customer = connector.find_customer(email=draft.in_reply_to.from_address)
    except NotFound:
        raise InvalidInput(_("No invoice %(number)s for this customer.") % {"number": number[:40]}) from None
    except ConnectorError as exc:
        raise InvalidInput(_("The ERP could not be asked: %(error)s") % {"error": exc}) from exc
    if invoice.customer_number != customer.number:
        raise NotAllowed(_("No invoice %(number)s for this customer.") % {"number": number[:40]})
    try:
        document = connector.invoice_document(invoice.number)  # type: ignore[attr-defined]
    except ConnectorError as exc:
        raise InvalidInput(_("The ERP could not be asked: %(error)s") % {"error": exc}) from exc
    attachment = add_file(draft, user, document.filename, document.data, source=DraftAttachment.Source.ERP)
    audit(action="draft.invoice_attached", obj=draft, actor=user, data={"invoice": invoice.number})
    return attachment


def invoice_numbers(draft: Draft) -> list[str]:
    """Invoices the draft's facts name (the customer's own: grounding withheld the others)."""
    trace = DraftTrace.objects.filter(draft=draft).first()
    rows = trace.facts if trace else []
    numbers = {row["source"]["key"] for row in rows if row.get("source", {}).get("record_type") == "invoice"}
    return sorted(numbers)


# Saved replies ---------------------------------------------------------------------------------------
def saved_replies_for(ticket: Ticket, language: str = "") -> list[SavedReply]:
    """The saved replies offered on this ticket: its queue's and the global ones, in its language or
    any."""
    wanted = SavedReply.objects.filter(active=True).filter(
        Q(queue__isnull=True) | Q(queue_id=ticket.queue_id)
    )
    if language:
        wanted = wanted.filter(Q(language="") | Q(language=language))
    return list(wanted.order_by("name", "pk"))


def fill_saved_reply(draft: Draft, user: User, saved_reply_id: int) -> str:
    """The saved reply's text with its placeholders filled from the draft's ticket."""
    ticket = draft.ticket
    offered = {reply.pk: reply for reply in saved_replies_for(ticket)}
    reply = offered.get(saved_reply_id)
    if reply is None:
        raise InvalidInput(_("That saved reply is not offered on this ticket."))
    try:
        return _ENGINE.from_string(reply.body).render(Context(placeholders(ticket, user))).strip()
    except TemplateSyntaxError as exc:
        raise InvalidInput(_("The saved reply has an error: %(error)s") % {"error": exc}) from exc


def placeholders(ticket: Ticket, user: User) -> dict[str, Any]:
    contact = ticket.contact
    name = (contact.name if contact else "") or ""
    return {
        "customer_name": name,
        "customer_first_name": name.split()[0] if name.split() else "",
        "customer_email": contact.email if contact else "",
        "company": ticket.company.name if ticket.company_id and ticket.company else "",
        "ticket": ticket.reference,
        "subject": ticket.subject,
        "agent_name": user.get_full_name() or user.get_username(),
        "queue": ticket.queue.name if ticket.queue_id and ticket.queue else "",
    }
