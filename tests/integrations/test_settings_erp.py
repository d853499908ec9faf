from __future__ import annotations

from pathlib import Path
from typing import Any

from integrations.checks import check_erp_connector
from tests.helpdesk.test_settings import _manage
from tests.integrations.erp_source import EXAMPLES


def test_sql_connector_without_its_settings_stops_startup() -> None:
    result = _manage({"DEBUG": "1", "ERP_CONNECTOR": "sql"}, "check")
    assert result.returncode != 0
    assert "ERP_CONNECTOR=sql needs ERP_SQL_URL and ERP_SQL_QUERIES_FILE" in result.stderr


def test_system_check_reports_a_broken_mapping_file(settings: Any, tmp_path: Path) -> None:
    broken = tmp_path / "queries.toml"
    broken.write_text("[lookups.order]\nsql = 'SELECT 1 WHERE ordernr = %(ordernr)s'\n")
    settings.ERP_CONNECTOR, settings.ERP_SQL_URL = "sql", "postgresql://erp@127.0.0.1/erp"
    settings.ERP_SQL_QUERIES_FILE = str(broken)
    (error,) = check_erp_connector()
    assert error.id == "integrations.E001" and "ordernr" in error.msg
    settings.ERP_SQL_QUERIES_FILE = str(EXAMPLES / "sql_queries.toml")
    assert check_erp_connector() == []


def test_system_check_passes_for_the_demo() -> None:
    assert check_erp_connector() == []
