"""What the reply composer keeps besides the draft itself: files attached to a draft before it is
approved, and the saved replies (canned texts) operators insert by name."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def draft_attachment_path(instance: DraftAttachment, filename: str) -> str:
    return f"outgoing/{instance.created_at:%Y/%m}/{instance.sha256[:2]}/{instance.sha256}"


class DraftAttachment(models.Model):
    """A file that goes out with a draft's mail once it is approved: uploaded by the operator, chosen
    from the ticket's mail (forwards) or fetched from the ERP (an invoice copy). Approval copies it to
    the reply's message, where the sending worker finds it."""

    class Source(models.TextChoices):
        UPLOAD = "upload", _("Uploaded")
        THREAD = "thread", _("From the conversation")
        ERP = "erp", _("From the ERP")

    draft = models.ForeignKey(
        "drafts.Draft", verbose_name=_("draft"), on_delete=models.CASCADE, related_name="attachments"
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.UPLOAD)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=255, default="application/octet-stream")
    size = models.PositiveBigIntegerField(_("size"), default=0)
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to=draft_attachment_path, max_length=255)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("draft attachment")
        verbose_name_plural = _("draft attachments")
        ordering = ["draft", "pk"]

    def __str__(self) -> str:
        return self.filename


class SavedReply(models.Model):
    """A text operators insert into a reply by name ("Return address", "Delivery terms"), for one
    queue or for every queue, with placeholders filled from the ticket."""

    name = models.CharField(_("name"), max_length=100)
    queue = models.ForeignKey(
        "helpdesk.Queue",
        verbose_name=_("queue"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="saved_replies",
        help_text=_("Empty: offered on every queue's tickets."),
    )
    language = models.CharField(
        _("language"), max_length=8, blank=True, help_text=_("Empty: for replies in any language.")
    )
    body = models.TextField(
        _("text"),
        help_text=_(
            "May use {{ customer_name }}, {{ customer_first_name }}, {{ customer_email }}, {{ company }}, "
            "{{ ticket }} (the [#123] reference), {{ subject }}, {{ agent_name }} and {{ queue }}."
        ),
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("saved reply")
        verbose_name_plural = _("saved replies")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name
