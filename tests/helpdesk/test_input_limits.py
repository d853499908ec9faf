"""Oversized and deeply nested input to every page and API endpoint: a clear 4xx naming the limit, never
a 500, nothing oversized stored, and the ticket page as light afterwards as before (issue 18)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from drafts.models import Draft
from helpdesk import limits
from helpdesk.models import ApiToken, AuditEvent, Message
from helpdesk.web.api.parsers import json_depth
from tests.drafts.helpers import customer_message, draft_for

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000 + "]" * 100_000
FIELDS = ["subject", "body", "reason", "instruction", "tags", "target", "view", "mode", "name", "language"]
FIELDS += ["username", "password", "version", "status", "priority", "assignee", "initial-assignee", "next"]


@pytest.fixture
def case(supervisor: Any) -> dict[str, Any]:
    message = customer_message(
        sender="karin@kund.example", subject="Order 100231?", body="Var är order 100231?"
    )
    draft = draft_for(message)
    token = ApiToken.objects.create(user=supervisor, name="limits", key_hash="0" * 64, prefix="hdk_limits")
    return {"ticket": message.ticket, "message": message, "draft": draft, "token": token}


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[URLPattern]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern) in {"admin/", "i18n/"}:
                continue  # Django's own: admin forms, the language switch
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and pattern.name and "format" not in _groups(pattern):
            yield pattern


def _groups(pattern: URLPattern) -> set[str]:
    return set(pattern.pattern.regex.groupindex)


def every_url(case: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, path) of every page and API endpoint, with the case's objects as ids."""
    ids = {
        "ticket": case["ticket"].pk,
        "api-ticket": case["ticket"].pk,
        "draft": case["draft"].pk,
        "api-draft": case["draft"].pk,
        "message": case["message"].pk,
        "api_token": case["token"].pk,
        "attachment": 1,
        "api-attachment": 1,
    }
    urls = []
    for pattern in _routes(get_resolver().url_patterns):
        name = str(pattern.name)
        if name.endswith("_webhook"):
            continue  # anymail's ESP webhooks: their own auth, and the mail size limit (test_webhooks)
        kwargs = {}
        if "pk" in _groups(pattern):
            # Objects the case has none of (outbound messages, suppressions) get an id that may not
            # exist: a 404 is a clear refusal too.
            key = next((k for k in sorted(ids, key=len, reverse=True) if k in name), "")
            kwargs["pk"] = ids.get(key, 1)
        for group in _groups(pattern) - {"pk"}:
            # A name that matches nothing (a captured mail), or an id nothing has: a 404 too.
            kwargs[group] = "none" if "[0-9]" not in pattern.pattern.regex.pattern else 999_999
        urls.append((name, reverse(name, kwargs=kwargs)))
    assert len(urls) > 30  # pages and API alike
    return urls


def _page_weight(client: Client, ticket_id: int) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("ticket", args=[ticket_id]))
    assert response.status_code == 200
    return len(queries), len(response.content)


def test_oversized_and_nested_input_everywhere_gets_a_clear_refusal_and_leaves_the_ticket_page_light(
    client: Client, supervisor: Any, case: dict[str, Any]
) -> None:
    client.force_login(supervisor)
    _page_weight(client, case["ticket"].pk)  # the session's first request writes its bookkeeping
    queries_before, size_before = _page_weight(client, case["ticket"].pk)
    huge_body = b"x" * (limits.REQUEST_BYTES + 1)
    long_form = dict.fromkeys(FIELDS, "9" * 30000)
    for name, path in every_url(case):
        response = client.generic("POST", path, huge_body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 413, name
        assert "1,048,576" in response.content.decode(), name
        response = client.post(path, long_form, HTTP_HX_REQUEST="true")
        assert response.status_code < 500, (name, response.status_code)
        response = client.post(path, DEEP, content_type="application/json")
        assert response.status_code < 500, (name, response.status_code)
        if name.endswith(("-notes", "-approve", "-reject")):  # the API endpoints that read a body
            assert response.status_code == 400 and "32 levels" in response.json()["detail"], name
        client.force_login(supervisor)  # the logout and login endpoints may have ended the session

    # Nothing over its limit was stored, and the page costs what it cost before.
    assert max(len(m.body_text) for m in Message.objects.all()) <= limits.NOTE
    draft_texts = Draft.objects.values_list("body", "subject", "rejection_reason", "instruction")
    for body, subject, reason, instruction in draft_texts:
        assert len(body) <= limits.DRAFT_BODY and len(subject) <= limits.SUBJECT
        assert len(reason) <= limits.REJECT_REASON and len(instruction) <= limits.INSTRUCTION
    assert max(len(json.dumps(e.data)) for e in AuditEvent.objects.all()) <= limits.NOTE + 1_000
    queries_after, size_after = _page_weight(client, case["ticket"].pk)
    assert queries_after <= queries_before + 1  # +1: a note or a regenerated draft may now exist
    assert size_after < size_before + limits.NOTE * 2


def _panel_post(client: Client, view: str, draft: Draft, **data: Any) -> Any:
    return client.post(
        reverse(view, args=[draft.pk]), {"version": draft.version, **data}, HTTP_HX_REQUEST="true"
    )


def test_each_form_names_its_limit(client: Client, supervisor: Any, case: dict[str, Any]) -> None:
    client.force_login(supervisor)
    draft = case["draft"]
    refusals = [
        (
            _panel_post(client, "draft_save", draft, subject="Hej", body="x" * (limits.DRAFT_BODY + 1)),
            "20000",
        ),
        (_panel_post(client, "draft_save", draft, subject="x" * 999, body="Hej"), "998"),
        (_panel_post(client, "draft_reject", draft, reason="x" * (limits.REJECT_REASON + 1)), "2000"),
        (_panel_post(client, "draft_regenerate", draft, instruction="x" * 501), "500"),
        (
            client.post(reverse("ticket_note", args=[case["ticket"].pk]), {"body": "x" * 20_001}),
            "20000",
        ),
    ]
    for response, limit in refusals:
        assert response.status_code == 400 and limit in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Draft.Status.READY and len(draft.body) < 1000


def test_each_api_body_names_its_limit(client: Client, supervisor: Any, case: dict[str, Any]) -> None:
    client.force_login(supervisor)
    note = client.post(
        f"/api/tickets/{case['ticket'].pk}/notes/", {"body": "x" * 20_001}, content_type="application/json"
    )
    assert note.status_code == 400 and "20000" in json.dumps(note.json())
    reject = client.post(
        f"/api/drafts/{case['draft'].pk}/reject/", {"reason": "x" * 2001}, content_type="application/json"
    )
    assert reject.status_code == 400 and "2000" in json.dumps(reject.json())
    nested = {"reason": json.loads("[" * 40 + "]" * 40)}
    deep = client.post(f"/api/drafts/{case['draft'].pk}/reject/", nested, content_type="application/json")
    assert deep.status_code == 400 and "32 levels" in deep.json()["detail"]


def test_claims_per_draft_are_capped_and_the_rest_flags_the_draft(
    supervisor: Any, case: dict[str, Any]
) -> None:
    from drafts import services

    draft = case["draft"]
    body = " ".join(f"{n}" for n in range(1000, 1000 + 2 * limits.CLAIMS_PER_DRAFT))
    edited = services.edit_draft(
        draft=draft, user=supervisor, subject=draft.subject, body=body, expected_version=draft.version
    )
    assert len(edited.claims) == limits.CLAIMS_PER_DRAFT + 1
    assert edited.claims[-1]["state"] == "unverified" and "unverified_claims" in edited.flags


def test_json_depth_is_counted_outside_strings() -> None:
    assert json_depth(b'{"a": [1, {"b": "[[[[["}]}') == 3
    assert json_depth(b'"\\"[[["') == 0
    assert json_depth(DEEP.encode()) == 100_000
