"""The API's schema and its Swagger UI page in Chromium, under the site's Content Security Policy."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.test_workspace_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before any page script: records every CSP violation the document reports.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


def test_schema_and_swagger_ui_load_without_csp_violations_or_errors(
    live_server: Any, page: Any, agent: Any
) -> None:
    console_errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("request", lambda request: requests.append(request.url))
    page.add_init_script(RECORD_VIOLATIONS)
    log_in(page, live_server, agent)

    schema = page.request.get(f"{live_server.url}/api/schema/?format=json")
    assert schema.ok and schema.json()["openapi"].startswith("3.")
    assert "/api/drafts/{id}/undo/" in schema.json()["paths"]

    response = page.goto(f"{live_server.url}/api/docs/")
    assert response is not None and response.ok
    assert "script-src" in response.headers["content-security-policy"]
    # Swagger UI fetched the schema itself and rendered our operations from it.
    page.locator(".swagger-ui .info .title", has_text="Helpdesk API").wait_for()
    undo = page.locator(".swagger-ui .opblock-summary-path", has_text="/api/drafts/{id}/undo/")
    undo.wait_for()
    undo.click()  # expanding an operation renders its details (more of Swagger UI's code runs)
    page.locator(".swagger-ui .opblock.is-open .opblock-body").wait_for()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__cspViolations") == []
    assert console_errors == []
    assert all(url.startswith(live_server.url) for url in requests), "everything comes from our origin"
