"""API tokens: only a hash is stored, the key is shown once, replaced and revoked keys stop working at
once, every change is audited, and DRF's old plaintext tokens are converted by a migration."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from helpdesk.models import ApiToken, AuditEvent
from helpdesk.web.api import tokens
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _status(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return int(client.get("/api/tickets/").status_code)


def _stored_rows() -> tuple[list[str], list[tuple[Any, ...]]]:
    """Every column and value of the token table, read with SQL, not through the model."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM helpdesk_apitoken")
        return [column[0] for column in cursor.description], cursor.fetchall()


def _assert_not_stored(key: str) -> None:
    columns, rows = _stored_rows()
    assert set(columns) == {"id", "user_id", "name", "prefix", "key_hash", "created_at", "last_used_at"}
    assert rows, "the token table is empty"
    secret = key[tokens.VISIBLE_CHARS :]
    for row in rows:
        assert not any(secret in str(value) for value in row), row
    with connection.cursor() as cursor:
        cursor.execute("SELECT CAST(data AS text) FROM helpdesk_auditevent")
        assert not any(secret in data for (data,) in cursor.fetchall())


def test_a_created_key_works_and_only_its_hash_is_stored(agent: Any) -> None:
    issued = tokens.create_api_token(user=agent, name="ERP", actor=agent)
    assert _status(issued.key) == 200
    _assert_not_stored(issued.key)
    token = ApiToken.objects.get()
    assert (
        issued.key.startswith(token.prefix) and len(issued.key) == len(tokens.KEY_PREFIX) + 43
    )  # 256 random bits
    assert token.key_hash == tokens.hash_key(issued.key) and token.last_used_at is not None


def test_unknown_malformed_and_inactive_users_keys_get_401(agent: Any) -> None:
    issued = tokens.create_api_token(user=agent)
    assert _status(issued.key[:-1]) == 401
    assert _status(issued.key + " extra") == 401
    agent.is_active = False
    agent.save()
    assert _status(issued.key) == 401


def test_roles_still_decide_what_a_token_may_do(outsider: Any, agent: Any) -> None:
    assert _status(tokens.create_api_token(user=outsider).key) == 403
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {tokens.create_api_token(user=agent).key}")
    assert client.get("/api/metrics/").status_code == 403


def test_settings_page_shows_the_key_only_right_after_creation(client: Client, agent: Any) -> None:
    client.force_login(agent)
    response = client.post(reverse("create_api_token"), {"name": "ERP sync"})
    token = ApiToken.objects.get(user=agent)
    key = response.context["issued"].key
    assert response.status_code == 200 and key in response.text and "no-store" in response["Cache-Control"]
    assert _status(key) == 200
    _assert_not_stored(key)
    later = client.get(reverse("settings")).text
    assert key not in later and key[tokens.VISIBLE_CHARS :] not in later
    assert f"{token.prefix}…" in later and "ERP sync" in later
    event = AuditEvent.objects.get(action="api_token.created")
    assert event.actor == agent and event.data["prefix"] == token.prefix


def test_replacing_on_the_settings_page_ends_the_old_key(client: Client, agent: Any) -> None:
    old = tokens.create_api_token(user=agent, name="ERP")
    client.force_login(agent)
    response = client.post(reverse("replace_api_token", args=[old.token.pk]))
    new_key = response.context["issued"].key
    assert new_key != old.key and new_key in response.text
    assert _status(old.key) == 401 and _status(new_key) == 200
    assert ApiToken.objects.get().name == "ERP"
    event = AuditEvent.objects.get(action="api_token.replaced")
    assert event.actor == agent and event.data["old_prefix"] == old.token.prefix


def test_revoking_on_the_settings_page_ends_the_key(client: Client, agent: Any) -> None:
    issued = tokens.create_api_token(user=agent)
    client.force_login(agent)
    response = client.post(reverse("revoke_api_token", args=[issued.token.pk]), follow=True)
    assert response.status_code == 200 and "was revoked" in response.text
    assert _status(issued.key) == 401 and not ApiToken.objects.exists()
    assert AuditEvent.objects.get(action="api_token.revoked").data["prefix"] == issued.token.prefix


def test_nobody_replaces_or_revokes_another_users_token(client: Client, agent: Any, supervisor: Any) -> None:
    issued = tokens.create_api_token(user=supervisor)
    client.force_login(agent)
    assert client.post(reverse("replace_api_token", args=[issued.token.pk])).status_code == 404
    assert client.post(reverse("revoke_api_token", args=[issued.token.pk])).status_code == 404
    assert _status(issued.key) == 200


def test_outsider_cannot_create_a_token(client: Client, outsider: Any) -> None:
    client.force_login(outsider)
    assert client.post(reverse("create_api_token")).status_code == 403
    assert "API tokens" not in client.get(reverse("settings")).text
    assert not ApiToken.objects.exists()


def test_an_overlong_name_is_refused_and_nothing_is_made(client: Client, agent: Any) -> None:
    client.force_login(agent)
    response = client.post(reverse("create_api_token"), {"name": "x" * 101})
    assert response.status_code == 400 and response.context["token_form"].errors
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="api_token.").exists()


def test_admin_shows_a_new_key_once_and_never_the_hash(admin_client: Any, agent: Any) -> None:
    response = admin_client.post(
        reverse("admin:helpdesk_apitoken_add"), {"user": agent.pk, "name": "Warehouse"}
    )
    token = ApiToken.objects.get(user=agent)
    key = response.context["key"]
    assert response.status_code == 200 and key in response.text and _status(key) == 200
    assert AuditEvent.objects.get(action="api_token.created").object_id == str(token.pk)
    for url in (
        reverse("admin:helpdesk_apitoken_change", args=[token.pk]),
        reverse("admin:helpdesk_apitoken_changelist"),
    ):
        page = admin_client.get(url).text
        assert token.prefix in page and token.key_hash not in page and key not in page


def test_deleting_in_admin_revokes_and_audits(admin_client: Any, agent: Any) -> None:
    issued = tokens.create_api_token(user=agent)
    admin_client.post(
        reverse("admin:helpdesk_apitoken_changelist"),
        {"action": "delete_selected", "_selected_action": [issued.token.pk], "post": "yes"},
    )
    assert _status(issued.key) == 401
    assert AuditEvent.objects.filter(action="api_token.revoked", object_id=str(issued.token.pk)).exists()


def test_command_prints_the_key_once_and_replace_revokes_the_old_ones(agent: Any) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("api_token", agent.username, "--name", "ERP", stdout=out, stderr=err)
    first = out.getvalue().strip()
    assert _status(first) == 200 and "shown only now" in err.getvalue()
    _assert_not_stored(first)
    out = io.StringIO()
    call_command("api_token", agent.username, "--replace", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["user"] == agent.username and result["revoked"] == [tokens.visible_prefix(first)]
    assert _status(first) == 401 and _status(result["key"]) == 200
    events = AuditEvent.objects.filter(action__startswith="api_token.").order_by("pk")
    actions = list(events.values_list("action", "actor_label"))
    assert actions == [
        ("api_token.created", "command:api_token"),
        ("api_token.revoked", "command:api_token"),
        ("api_token.created", "command:api_token"),
    ]


def test_command_refuses_an_unknown_or_inactive_user(agent: Any) -> None:
    with pytest.raises(CommandError, match="no user named 'nobody'"):
        call_command("api_token", "nobody", stdout=io.StringIO())
    UserFactory.create(username="gone", is_active=False)
    with pytest.raises(CommandError, match="inactive"):
        call_command("api_token", "gone", stdout=io.StringIO())
    assert not ApiToken.objects.exists()


def test_the_schema_describes_the_token_header(agent: Any, client: Client) -> None:
    client.force_login(agent)
    schema = client.get("/api/schema/?format=json").json()
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert scheme["type"] == "apiKey" and scheme["in"] == "header" and scheme["name"] == "Authorization"
    assert "Token <key>" in scheme["description"]
    assert {"tokenAuth": []} in schema["paths"]["/api/tickets/"]["get"]["security"]


DRF_KEY = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"


def _create_drf_tables(user_id: int) -> None:
    """DRF authtoken's table and traces as its migrations left them (app label ``authtoken``)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamptz NOT NULL, "
            "user_id integer NOT NULL UNIQUE REFERENCES auth_user (id) DEFERRABLE INITIALLY DEFERRED)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, '2025-03-01 10:00:00+00', %s)", [DRF_KEY, user_id]
        )
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) VALUES ('authtoken', '0001_initial', now())"
        )
        cursor.execute(
            "INSERT INTO django_content_type (app_label, model) VALUES ('authtoken', 'token') RETURNING id"
        )
        (content_type_id,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO auth_permission (name, content_type_id, codename) VALUES ('Can add Token', %s, "
            "'add_token')",
            [content_type_id],
        )
        cursor.execute(
            "INSERT INTO django_admin_log (action_time, object_id, object_repr, action_flag, change_message,"
            " content_type_id, user_id) VALUES (now(), %s, 'token', 1, '', %s, %s)",
            [DRF_KEY, content_type_id, user_id],
        )


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="DRF's tables of before are written in PostgreSQL's SQL (timestamptz, now(), RETURNING)",
)
@pytest.mark.django_db(transaction=True)
def test_migration_converts_drf_tokens_and_their_keys_keep_working() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("helpdesk", "0011_api_tokens")])
    user = UserFactory.create(username="integrator", role="agent")
    _create_drf_tables(user.pk)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert "authtoken_token" not in connection.introspection.table_names()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_migrations WHERE app = 'authtoken'")
        assert cursor.fetchone() == (0,)
        cursor.execute("SELECT count(*) FROM django_content_type WHERE app_label = 'authtoken'")
        assert cursor.fetchone() == (0,)
        cursor.execute("SELECT content_type_id FROM django_admin_log")
        assert cursor.fetchall() == [(None,)]
    token = ApiToken.objects.get()
    assert token.user == user and token.prefix == DRF_KEY[:8]
    assert token.created_at.isoformat() == "2025-03-01T10:00:00+00:00"
    _assert_not_stored(DRF_KEY)
    assert _status(DRF_KEY) == 200
