"""The audit log is tamper-proof on PostgreSQL: the runtime role (what web and workers connect as) owns
nothing and may only INSERT and SELECT it; the owner's TRUNCATE is refused by a trigger."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction

from helpdesk.audit import audit
from tests.helpdesk.ingest_support import ROOT

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="roles and triggers are PostgreSQL's"
)


@pytest.mark.django_db
def test_the_owner_cannot_truncate_the_audit_log_unless_the_database_allows_it() -> None:
    audit(action="ticket.closed", system="test")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL helpdesk.audit_truncate = ''")
        with pytest.raises(DatabaseError, match="append-only: TRUNCATE refused"), transaction.atomic():
            cursor.execute("TRUNCATE helpdesk_auditevent")


def _server() -> dict[str, Any]:
    settings = connection.settings_dict
    return {
        "host": settings["HOST"] or "127.0.0.1",
        "port": settings["PORT"] or 5432,
        "user": settings["USER"],
    }


def _url(role: str, database: str) -> str:
    server = _server()
    return f"postgres://{role}@{server['host']}:{server['port']}/{database}"


@pytest.fixture
def two_roles() -> Iterator[tuple[str, str, str]]:
    """A fresh database owned by a new owner role, and a runtime role with no privileges yet."""
    suffix = uuid.uuid4().hex[:8]
    owner, runtime, database = f"hd_owner_{suffix}", f"hd_app_{suffix}", f"hd_roles_{suffix}"
    admin = psycopg.connect(dbname="postgres", autocommit=True, **_server())
    admin.execute(f"CREATE ROLE {owner} LOGIN")
    admin.execute(f"CREATE ROLE {runtime} LOGIN")
    admin.execute(f"CREATE DATABASE {database} OWNER {owner}")
    try:
        yield owner, runtime, database
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        admin.execute(f"DROP ROLE IF EXISTS {runtime}")
        admin.execute(f"DROP ROLE IF EXISTS {owner}")
        admin.close()


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow
def test_migrate_runs_as_the_owner_and_the_runtime_role_can_work_but_not_rewrite_history(
    two_roles: tuple[str, str, str],
) -> None:
    owner, runtime, database = two_roles
    env = {
        **os.environ,
        "DATABASE_URL": _url(runtime, database),
        "DATABASE_MIGRATE_URL": _url(owner, database),
        "DEBUG": "1",
        "PASSWORD_HASHERS_FAST": "1",
    }
    migrated = _manage("migrate", "--noinput", env=env)
    assert migrated.returncode == 0, migrated.stderr
    assert f"Granted the runtime role '{runtime}'" in migrated.stdout
    # The application's own work, as the runtime role: demo users, ERP data, tickets, audit events.
    env.pop("DATABASE_MIGRATE_URL")
    seeded = _manage("seed_demo", env=env)
    assert seeded.returncode == 0, seeded.stderr

    with psycopg.connect(**{**_server(), "user": runtime}, dbname=database, autocommit=True) as app:
        assert _scalar(app, "SELECT count(*) FROM helpdesk_auditevent") > 0
        app.execute(
            "INSERT INTO helpdesk_auditevent (created_at, actor_label, action, object_type, object_id, data)"
            " VALUES (now(), 'test', 'test.inserted', '', '', '{}')"
        )
        # A GRANT by a role without the privilege only warns ("no privileges were granted"); the
        # checks below run after it.
        app.execute("GRANT UPDATE, DELETE, TRUNCATE ON helpdesk_auditevent TO CURRENT_USER")
        refused = {
            "UPDATE": "UPDATE helpdesk_auditevent SET action = 'forged'",
            "DELETE": "DELETE FROM helpdesk_auditevent",
            "TRUNCATE": "TRUNCATE helpdesk_auditevent",
            "disable the trigger": "ALTER TABLE helpdesk_auditevent DISABLE TRIGGER ALL",
            "drop the trigger": "DROP TRIGGER helpdesk_auditevent_append_only ON helpdesk_auditevent",
            "allow truncate": f"ALTER DATABASE {database} SET helpdesk.audit_truncate = 'allow'",
        }
        for what, sql in refused.items():
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(sql)
                pytest.fail(f"the runtime role could {what}")
        assert _scalar(app, "SELECT count(*) FROM pg_tables WHERE tableowner = current_user") == 0
        # Everything else stays usable: the application updates and deletes its other rows.
        app.execute("UPDATE helpdesk_ticket SET priority = priority")
        # GDPR erasure's switch does not open the table to the runtime role either...
        app.execute("SET helpdesk.audit_pseudonymise = 'on'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute("UPDATE helpdesk_auditevent SET data = '{}'")
        with_ticket = "SELECT c.email FROM helpdesk_contact c JOIN helpdesk_ticket t ON t.contact_id = c.id"
        address = _scalar(app, with_ticket + " LIMIT 1")
        app.execute(
            "INSERT INTO helpdesk_auditevent (created_at, actor_label, action, object_type, object_id, data)"
            " VALUES (now(), 'test', 'outbound.queued', '', '', jsonb_build_object('to', %s::text))",
            [address],
        )
    # ... but erasure, through the one function it may execute, pseudonymises the person's events.
    erased = _manage("gdpr", "erase", address, "--reason", "Request 1", env=env)
    assert erased.returncode == 0, erased.stderr
    with psycopg.connect(**{**_server(), "user": runtime}, dbname=database, autocommit=True) as app:
        count = "SELECT count(*) FROM helpdesk_auditevent WHERE action = "
        assert _scalar(app, count + "'contact.erased'") == _scalar(app, count + "'audit.pseudonymised'") == 1
        mentions = "SELECT count(*) FROM helpdesk_auditevent WHERE data::text ILIKE '%%' || %s || '%%'"
        row = app.execute(mentions, [address]).fetchone()
        assert row is not None and row[0] == 0

    with psycopg.connect(**{**_server(), "user": owner}, dbname=database, autocommit=True) as own:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="TRUNCATE refused"):
            own.execute("TRUNCATE helpdesk_auditevent")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            own.execute("DELETE FROM helpdesk_auditevent")


def _scalar(connection: psycopg.Connection[Any], sql: str) -> Any:
    row = connection.execute(sql).fetchone()
    assert row is not None
    return row[0]
