"""The two PostgreSQL roles (docs/deploy.md): an owner that migrates, and a runtime role for the web and
worker processes that owns nothing and may only INSERT and SELECT the audit log.

``manage.py migrate`` connects as ``DATABASE_MIGRATE_URL`` when it is set and then calls
``grant_runtime_privileges`` for the user of ``DATABASE_URL``, so every table a migration made is
usable by the runtime role at once, and the audit table never becomes changeable by it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

AUDIT_TABLE = "helpdesk_auditevent"
PSEUDONYMISE_FUNCTION = "helpdesk_audit_pseudonymise(bigint[], text[], text, text)"


def grant_runtime_privileges(connection: BaseDatabaseWrapper, role: str) -> None:
    """Give ``role`` what the application needs on every table of the current schema (run as owner)."""
    with connection.cursor() as cursor:
        quote = connection.ops.quote_name
        cursor.execute("SELECT current_schema()")
        schema = quote(cursor.fetchone()[0])
        who = quote(role)
        cursor.execute(f"GRANT USAGE ON SCHEMA {schema} TO {who}")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {who}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {who}")
        cursor.execute(f"REVOKE ALL ON {quote(AUDIT_TABLE)} FROM {who}")
        cursor.execute(f"GRANT SELECT, INSERT ON {quote(AUDIT_TABLE)} TO {who}")
        # Erasure's one narrow rewrite of audit data (helpdesk 0018): a SECURITY DEFINER function.
        cursor.execute("SELECT to_regprocedure(%s) IS NOT NULL", [PSEUDONYMISE_FUNCTION])
        if cursor.fetchone()[0]:
            cursor.execute(f"GRANT EXECUTE ON FUNCTION {PSEUDONYMISE_FUNCTION} TO {who}")


def tables_owned_by(connection: BaseDatabaseWrapper, role: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE tableowner = %s AND schemaname = current_schema()", [role]
        )
        return [row[0] for row in cursor.fetchall()]


@contextmanager
def connected_as(config: dict[str, Any], alias: str = "default") -> Iterator[BaseDatabaseWrapper]:
    """Point ``alias`` at another role's credentials (``config``: a parsed database URL) for a while."""
    connection = connections[alias]
    keys = ("USER", "PASSWORD", "HOST", "PORT", "NAME", "OPTIONS")
    saved = {key: connection.settings_dict.get(key) for key in keys}
    connection.close()
    connection.settings_dict.update({key: config.get(key, saved[key]) for key in keys})
    try:
        yield connection
    finally:
        connection.close()
        connection.settings_dict.update(saved)
