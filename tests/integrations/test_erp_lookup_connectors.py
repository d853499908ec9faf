"""Done when: ``erp_lookup order <demo order> --json`` prints lines, status, shipments and ETA, each
with its source reference, for every connector configured against test data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpdesk.test_settings import _manage
from tests.integrations.erp_api import ErpApi
from tests.integrations.erp_source import EXAMPLES
from tests.integrations.test_erp_lookup import assert_order_100231_with_sources, lookup_json


def configure(settings: Any, request: pytest.FixtureRequest, connector: str) -> str:
    """Point the settings at test data for ``connector``; return the expected source system."""
    settings.ERP_CONNECTOR = connector.split("-")[0]
    if connector == "demo":
        request.getfixturevalue("seeded")
        return "demo"
    if connector.startswith("sql"):
        fixture = "erp_postgres" if connector == "sql-postgresql" else "erp_mariadb"
        settings.ERP_SQL_URL = request.getfixturevalue(fixture)
        settings.ERP_SQL_QUERIES_FILE = str(EXAMPLES / "sql_queries.toml")
        return "sql:affärssystem"
    api: ErpApi = request.getfixturevalue("erp_api")
    api.authorization = "Bearer test-token"
    settings.ERP_HTTP_URL, settings.ERP_HTTP_TOKEN = api.url, "test-token"
    settings.ERP_HTTP_MAPPING_FILE = str(EXAMPLES / "http_mapping.toml")
    return "http:api"


@pytest.mark.django_db
@pytest.mark.parametrize("connector", ["demo", "sql-postgresql", "sql-mariadb", "http"])
def test_erp_lookup_order_json_from_every_connector(
    connector: str, settings: Any, request: pytest.FixtureRequest
) -> None:
    system = configure(settings, request, connector)
    payload = lookup_json("order", "100231")
    assert payload["connector"] == settings.ERP_CONNECTOR
    assert_order_100231_with_sources(payload["result"], system)


def test_erp_lookup_as_a_process_prints_json_and_exits_non_zero_when_not_found(
    erp_api: ErpApi, tmp_path: Path
) -> None:
    env = {
        "DEBUG": "1",
        "VAR_DIR": str(tmp_path),
        "ERP_CONNECTOR": "http",
        "ERP_HTTP_URL": erp_api.url,
        "ERP_HTTP_MAPPING_FILE": str(EXAMPLES / "http_mapping.toml"),
        "ERP_CACHE_SECONDS": "0",
    }
    found = _manage(env, "erp_lookup", "order", "100231", "--json")
    assert found.returncode == 0, found.stderr
    assert_order_100231_with_sources(json.loads(found.stdout)["result"], "http:api")
    missing = _manage(env, "erp_lookup", "invoice", "424242")
    assert missing.returncode == 3 and "Not found" in missing.stderr
