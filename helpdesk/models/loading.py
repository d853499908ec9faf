"""Rows read into instances without ``Model.__init__``, for the models read most."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Self

from django.db import models
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init


class QuickLoad(models.Model):
    """A row read from the database becomes an instance by filling its ``__dict__``, as
    ``Model.__init__`` would through every field's descriptor. Django's own ``from_db`` is slow where
    it matters most: for a query that defers fields (the ticket's search document, always) it looks
    every field up in the list of those read (quadratic in the fields), then sets each through its
    descriptor; the sending worker and the inbox read hundreds of these rows a page or a batch.
    A later Django's options for this call take Django's own path.

    Only for models whose fields have no descriptor that changes a value on assignment (a file field
    would); where a ``pre_init`` or ``post_init`` receiver listens, Django's own path runs."""

    class Meta:
        abstract = True

    @classmethod
    def from_db(
        cls, db: str | None, field_names: Collection[str], values: Collection[Any], **options: Any
    ) -> Self:
        if options or pre_init.has_listeners(cls) or post_init.has_listeners(cls):
            return super().from_db(db, field_names, values, **options)
        new = cls.__new__(cls)
        state = new._state = ModelState()
        state.adding = False
        state.db = db
        # A deferred field is simply not there: its descriptor reads it when it is first used.
        new.__dict__.update(zip(field_names, values, strict=True))
        return new
