"""The operations tests run whole workers against a flushed database: an earlier transactional test
empties the tables, and with them what the data migrations made (the roles, the reply templates)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache
from django.db import connection


@pytest.fixture
def data_migrations(transactional_db: None) -> None:
    """Put back the roles and the drafting defaults the data migrations made."""
    with connection.schema_editor() as editor:
        importlib.import_module("helpdesk.migrations.0002_roles").create_roles(django_apps, editor)
        importlib.import_module("drafts.migrations.0002_defaults").install_defaults(django_apps, editor)
    cache.clear()
