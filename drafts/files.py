"""Storing a file with a draft: what the composer, the ERP's invoice copies and the drafter share."""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import PurePath
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile

from drafts.models import Draft, DraftAttachment

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def add_file(draft: Draft, user: User | None, filename: str, data: bytes, *, source: str) -> DraftAttachment:
    """Store one file with the draft (the caller checked its size and type)."""
    name = PurePath(filename.replace("\\", "/")).name[:255] or "file"
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    attachment = DraftAttachment(
        draft=draft,
        source=source,
        filename=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        added_by=user,
    )
    attachment.file.save(name, ContentFile(data), save=False)
    attachment.save()
    return attachment
