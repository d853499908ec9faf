"""System checks of settings that parse but cannot work, run by ``manage.py check`` and at start-up.

Settings that are wrong on their own (junk numbers, malformed keys) stop ``settings.py`` itself; what
needs an import or the database is checked here.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.db import connections
from django.utils.module_loading import import_string


@register()
def check_email_backend(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        import_string(settings.EMAIL_BACKEND or "")
    except ImportError as exc:
        return [
            Error(f"EMAIL_BACKEND={settings.EMAIL_BACKEND!r} cannot be imported: {exc}", id="helpdesk.E001")
        ]
    return []


@register()
def check_sender_auth(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.HELPDESK_SENDER_AUTH == "header" and not settings.HELPDESK_AUTHSERV_IDS:
        return [
            Warning(
                "HELPDESK_SENDER_AUTH=header without HELPDESK_AUTHSERV_IDS: no sender is ever authenticated, "
                "so every draft that shows customer records needs a supervisor.",
                id="helpdesk.W001",
            )
        ]
    return []


@register(Tags.database, deploy=True)
def check_runtime_role(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """``check --deploy --database default``: the application must not connect as the audit log's owner,
    whose credentials could disable its triggers (docs/deploy.md)."""
    if not databases or "default" not in databases:
        return []
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableowner = current_user FROM pg_tables "
            "WHERE tablename = 'helpdesk_auditevent' AND schemaname = current_schema()"
        )
        row = cursor.fetchone()
    if row and row[0]:
        return [
            Warning(
                "DATABASE_URL connects as the owner of the audit table, whose credentials can disable its "
                "append-only triggers.",
                hint="Connect as a runtime role and migrate with DATABASE_MIGRATE_URL (docs/deploy.md).",
                id="helpdesk.W002",
            )
        ]
    return []
