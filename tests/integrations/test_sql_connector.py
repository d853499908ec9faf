from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import pytest

from integrations import Misconfigured, NotFound, Unavailable
from integrations.base import Record
from integrations.connectors.demo import DemoConnector
from integrations.connectors.sql import SqlConnector
from integrations.mapping import load_mapping
from integrations.serialize import record_to_dict
from tests.integrations.erp_source import EXAMPLES

QUERIES = EXAMPLES / "sql_queries.toml"
HOSTILE_KEYS = [
    "' OR 1=1 --",
    "100231' OR '1'='1",
    "100231; DROP TABLE kundorder; --",
    "\\' OR 1=1 -- ",
    '100231" OR ""="',
    "100231\x00",
    "Ω≈ç√∫ 😀",
    "\ud800",
    "%(number)s",
    "x" * 5000,
]


def connector(url: str, path: Path = QUERIES, timeout: float = 5) -> SqlConnector:
    config = load_mapping(
        path, default_system="sql", default_timezone="Europe/Stockholm", lookup_options={"sql"}
    )
    return SqlConnector(url=url, config=config, timeout=timeout)


def mapping_with(tmp_path: Path, lookup: str, sql: str, **extra: str) -> Path:
    lines = [f"[lookups.{lookup}]", f"sql = {sql!r}"] + [f"{k} = {v!r}" for k, v in extra.items()]
    path = tmp_path / "queries.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def comparable(record: Record) -> Any:
    """The record's data without sources, and datetimes to the hour (the ERP rows were written earlier)."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            # The example's SQL reads "no invoice yet" as NULL, that is "cannot say" (None).
            return {
                k: strip(v) if (k, v) != ("invoice_numbers", "") else None
                for k, v in value.items()
                if k != "source"
            }
        if isinstance(value, list):
            return [strip(v) for v in value]
        if isinstance(value, str) and len(value) > 19 and value[10] == "T":
            return dt.datetime.fromisoformat(value).astimezone(dt.UTC).strftime("%Y-%m-%d %H")
        return value

    return strip(record_to_dict(record))


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("number", ["100231", "100238", "100245", "100252", "100259", "100266", "100273"])
def test_orders_from_the_example_schema_equal_the_demo_orders(erp_sql_url: str, number: str) -> None:
    order = connector(erp_sql_url).get_order(number)
    assert comparable(order) == comparable(DemoConnector().get_order(number))


@pytest.mark.usefixtures("seeded")
def test_every_kind_of_record_equals_the_demo(erp_sql_url: str) -> None:
    sql, demo = connector(erp_sql_url), DemoConnector()
    for sku in ["PAL-EUR-1200", "BOX-CORR-6040", "STRAP-PET-16"]:
        assert comparable(sql.get_product(sku)) == comparable(demo.get_product(sku))
    assert comparable(sql.get_shipment("DHL-8844120573")) == comparable(demo.get_shipment("DHL-8844120573"))
    assert comparable(sql.get_invoice("55012")) == comparable(demo.get_invoice("55012"))
    for key in [{"number": "C10003"}, {"email": "Ola@FjordTrade.no"}]:
        assert comparable(sql.find_customer(**key)) == comparable(demo.find_customer(**key))
    assert [comparable(o) for o in sql.recent_orders("C10001")] == [
        comparable(o) for o in demo.recent_orders("C10001")
    ]
    assert [o.number for o in sql.recent_orders("C10001", limit=1)] == ["100231"]
    assert sql.recent_orders("C99999") == []


def test_source_references_name_the_erp_and_link_to_it(erp_sql_url: str) -> None:
    order = connector(erp_sql_url).get_order("100266")
    assert order.source.system == "sql:affärssystem"
    assert order.source.url == "https://erp.example.com/order/100266"
    assert order.shipments[0].source.url == "https://erp.example.com/leverans/DHL-8844120573"
    assert order.lines[1].source.fact_id("quantity") == "order_line:100266/2#quantity"
    assert order.status == "shipped" and order.shipments[0].status == "exception"
    assert order.ordered_at.tzinfo is not None


@pytest.mark.parametrize("key", HOSTILE_KEYS)
def test_hostile_keys_are_not_found_never_an_sql_error(erp_sql_url: str, key: str) -> None:
    sql = connector(erp_sql_url)
    for lookup in (sql.get_order, sql.get_shipment, sql.get_product, sql.get_invoice):
        with pytest.raises(NotFound):
            lookup(key)
    for field in ("email", "number"):
        with pytest.raises(NotFound):
            sql.find_customer(**{field: key})
    assert sql.recent_orders(key) == []
    assert sql.get_order("100231").number == "100231"  # and nothing was dropped


def test_a_key_of_the_wrong_type_for_its_column_is_not_found(erp_sql_url: str, tmp_path: Path) -> None:
    # orderstatus is an INTEGER column: PostgreSQL refuses the text, MariaDB compares it as a number.
    path = mapping_with(
        tmp_path, "order", "SELECT ordernr AS number FROM kundorder WHERE orderstatus = %(number)s"
    )
    with pytest.raises(NotFound):
        connector(erp_sql_url, path).get_order("forty")


def test_a_slow_query_is_cancelled_by_the_statement_timeout(erp_sql_url: str, tmp_path: Path) -> None:
    sleep = "pg_sleep(5) IS NOT NULL" if erp_sql_url.startswith("postgresql") else "SLEEP(5) = 0"
    path = mapping_with(
        tmp_path, "invoice", f"SELECT * FROM faktura WHERE fakturanr = %(number)s AND {sleep}"
    )
    started = time.monotonic()
    with pytest.raises(Unavailable, match="statement timeout"):
        connector(erp_sql_url, path, timeout=0.5).get_invoice("55012")
    assert time.monotonic() - started < 3


def test_a_query_that_writes_is_refused(erp_sql_url: str, tmp_path: Path) -> None:
    path = mapping_with(tmp_path, "customer_by_number", "DELETE FROM kundkontakt WHERE kundnr = %(number)s")
    with pytest.raises(Misconfigured, match="must only read|READ ONLY|read-only"):
        connector(erp_sql_url, path).find_customer(number="C10001")
    assert connector(erp_sql_url).find_customer(email="karin.bergstrom@bergstrom-bygg.se").number == "C10001"


def test_a_wrong_column_is_misconfigured_naming_the_lookup(erp_sql_url: str, tmp_path: Path) -> None:
    path = mapping_with(tmp_path, "product", "SELECT artnummer FROM artikel WHERE artnr = %(sku)s")
    with pytest.raises(Misconfigured, match="'product'"):
        connector(erp_sql_url, path).get_product("PAL-EUR-1200")


def test_a_missing_field_is_misconfigured_naming_field_and_column(erp_sql_url: str, tmp_path: Path) -> None:
    path = mapping_with(tmp_path, "product", "SELECT artnr AS sku FROM artikel WHERE artnr = %(sku)s")
    with pytest.raises(Misconfigured, match="no 'name' for field 'name'"):
        connector(erp_sql_url, path).get_product("PAL-EUR-1200")


@pytest.mark.parametrize("backend", ["postgresql", "mysql"])
def test_unreachable_database_is_unavailable_and_the_password_never_shows(
    backend: str, caplog: pytest.LogCaptureFixture, settings: Any
) -> None:
    from integrations.resilience import make_resilient

    url = f"{backend}://erp_reader:S3cret-Pa55@127.0.0.1:9/erp"
    with pytest.raises(Unavailable) as raised:
        connector(url).get_order("100231")
    settings.ERP_CACHE_SECONDS = 0
    with pytest.raises(Unavailable) as wrapped:
        make_resilient(connector(url)).get_order("100231")  # logs the failure
    for text in (str(raised.value), str(wrapped.value), caplog.text):
        assert "S3cret-Pa55" not in text


def test_rejected_credentials_are_misconfigured(erp_sql_url: str) -> None:
    bad_user = erp_sql_url.replace("//postgres@", "//no_such_role:pw123@").replace(
        "//root@", "//no_such_user:pw123@"
    )
    with pytest.raises(Misconfigured) as raised:
        connector(bad_user).get_order("100231")
    assert "pw123" not in str(raised.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[lookups.orders]\nsql = 'SELECT 1'\n", "unknown lookups"),
        ("[lookups.order]\nsql = 'SELECT 1 WHERE x = %(sku)s'\n", "uses parameters \\['sku'\\]"),
        ("[lookups.order]\nsql = 'SELECT 1'\nfields = { colour = 'farg' }\n", "not a field of Order"),
        ("[lookups.order]\nsql = 'SELECT 1'\nurl = 'https://x/{kund}'\n", "uses \\{kund\\}"),
        ("[lookups.order]\nsql = 'SELECT 1'\nretries = 3\n", "unknown keys \\['retries'\\]"),
        ("[lookups.order]\nfields = {}\n", "have no sql"),
        ("[lookups.order\n", "is not valid"),
        ("timezone = 'Mars/Olympus'\n", "timezone"),
    ],
)
def test_a_bad_mapping_file_is_misconfigured_naming_the_problem(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "queries.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(Misconfigured, match=message):
        connector("postgresql://erp@127.0.0.1/erp", path)


def test_a_json_mapping_file_works_like_toml(erp_sql_url: str, tmp_path: Path) -> None:
    path = tmp_path / "queries.json"
    fields = {
        "number": "fakturanr",
        "customer_number": "kundnr",
        "issued_on": "fakturadatum",
        "due_on": "forfallodatum",
        "amount": "belopp",
    }
    sql = "SELECT * FROM faktura WHERE fakturanr = %(number)s"
    mapping = {"system": "sql:json", "lookups": {"invoice": {"sql": sql, "fields": fields}}}
    path.write_text(json.dumps(mapping), encoding="utf-8")
    invoice = connector(erp_sql_url, path).get_invoice("55009")
    assert (invoice.source.system, invoice.customer_number, invoice.currency, invoice.status) == (
        "sql:json",
        "C10001",
        "SEK",  # the mapping's default: no column is called currency
        "B",  # unmapped fields come from the column of their own name, untranslated
    )


def test_from_settings_needs_url_and_queries_file(settings: Any) -> None:
    settings.ERP_SQL_URL, settings.ERP_SQL_QUERIES_FILE = "", str(QUERIES)
    with pytest.raises(Misconfigured, match="ERP_SQL_URL is not set"):
        SqlConnector.from_settings()
    settings.ERP_SQL_URL, settings.ERP_SQL_QUERIES_FILE = "postgresql://x@127.0.0.1/x", ""
    with pytest.raises(Misconfigured, match="ERP_SQL_QUERIES_FILE is not set"):
        SqlConnector.from_settings()
    settings.ERP_SQL_URL = "oracle://x@127.0.0.1/x"
    settings.ERP_SQL_QUERIES_FILE = str(QUERIES)
    with pytest.raises(Misconfigured, match="must start with postgresql://"):
        SqlConnector.from_settings()
