from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import Any

import pytest

from integrations import Misconfigured, NotFound, Unavailable
from integrations.connectors.demo import DemoConnector
from integrations.connectors.http import HttpConnector
from integrations.mapping import load_mapping
from integrations.resilience import make_resilient
from tests.integrations.erp_api import ErpApi
from tests.integrations.erp_source import EXAMPLES
from tests.integrations.test_sql_connector import HOSTILE_KEYS, comparable

MAPPING = EXAMPLES / "http_mapping.toml"
ORDER = "/api/v1/orders/100231"


def connector(api: ErpApi, path: Path = MAPPING, timeout: float = 5, **kwargs: Any) -> HttpConnector:
    config = load_mapping(
        path,
        default_system="http",
        default_timezone="Europe/Stockholm",
        lookup_options={"path", "query", "select"},
    )
    return HttpConnector(base_url=api.url, config=config, timeout=timeout, **kwargs)


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("number", ["100231", "100238", "100245", "100252", "100259", "100266", "100273"])
def test_orders_from_the_api_equal_the_demo_orders_in_one_request(erp_api: ErpApi, number: str) -> None:
    assert comparable(connector(erp_api).get_order(number)) == comparable(DemoConnector().get_order(number))
    assert len(erp_api.requests) == 1  # lines and deliveries are embedded in the order


@pytest.mark.usefixtures("seeded")
def test_every_kind_of_record_equals_the_demo(erp_api: ErpApi) -> None:
    http, demo = connector(erp_api), DemoConnector()
    for sku in ["PAL-EUR-1200", "BOX-CORR-6040", "TRUCK-HP-2500"]:
        assert comparable(http.get_product(sku)) == comparable(demo.get_product(sku))
    assert comparable(http.get_shipment("SE-SCH-4471093")) == comparable(demo.get_shipment("SE-SCH-4471093"))
    assert comparable(http.get_invoice("55015")) == comparable(demo.get_invoice("55015"))
    for key in [{"number": "C10005"}, {"email": "MIKKO.virtanen@nordicparts.fi"}]:
        assert comparable(http.find_customer(**key)) == comparable(demo.find_customer(**key))
    assert [comparable(o) for o in http.recent_orders("C10001")] == [
        comparable(o) for o in demo.recent_orders("C10001")
    ]
    assert erp_api.requests[-1].query == {"limit": ["5"]}
    with pytest.raises(NotFound):
        http.find_customer(email="nobody@example.com")  # an empty list


def test_connectors_built_from_the_same_settings_share_one_client_and_its_connection(erp_api: ErpApi) -> None:
    # A connector is built per draft; a client per connector left a socket per draft to the garbage
    # collector and a new connection (and TLS handshake) for every draft.
    first, second = connector(erp_api), connector(erp_api)
    first.get_order("100231")
    second.get_order("100238")
    assert len({seen.peer for seen in erp_api.requests}) == 1
    assert connector(erp_api, token="another")._client is not first._client


def test_source_references_name_the_api_and_link_to_the_erp(erp_api: ErpApi) -> None:
    order = connector(erp_api).get_order("100266")
    assert order.source.system == "http:api" and order.source.url == "https://erp.example.com/orders/100266"
    assert order.shipments[0].source.url == "https://erp.example.com/shipments/DHL-8844120573"
    assert order.lines[0].source.fact_id("unit_price") == "order_line:100266/1#unit_price"


def test_bearer_token_is_sent_and_a_refusal_is_misconfigured(erp_api: ErpApi, caplog: Any) -> None:
    erp_api.authorization = "Bearer t0k3n-s3cret"
    assert connector(erp_api, token="t0k3n-s3cret").get_invoice("55012").number == "55012"
    with pytest.raises(Misconfigured, match="refused the credentials \\(401\\)") as raised:
        make_resilient(connector(erp_api, token="wrong-t0k3n")).get_invoice("55012")
    for text in (str(raised.value), caplog.text):
        assert "t0k3n" not in text


def test_basic_credentials_are_sent(erp_api: ErpApi) -> None:
    erp_api.authorization = (
        "Basic " + base64.b64encode(b"helpdesk:p\xc3\xa4ss word".decode().encode()).decode()
    )
    http = connector(erp_api, username="helpdesk", password="päss word")
    assert http.get_product("TAPE-PP-48").sku == "TAPE-PP-48"


def test_transient_failures_are_retried_with_backoff(erp_api: ErpApi) -> None:
    erp_api.script(ORDER, ("status", 503), ("status", 500), ("serve",))
    assert connector(erp_api).get_order("100231").number == "100231"
    assert erp_api.hits(ORDER) == 3


def test_too_many_requests_honours_retry_after(erp_api: ErpApi) -> None:
    erp_api.script(ORDER, ("status", 429, {"Retry-After": "0"}), ("serve",))
    assert connector(erp_api).get_order("100231").number == "100231"
    assert erp_api.hits(ORDER) == 2


def test_a_failing_api_is_unavailable_after_the_retries(erp_api: ErpApi) -> None:
    erp_api.script(ORDER, ("status", 500))
    with pytest.raises(Unavailable, match="3 attempts\\): HTTP 500"):
        connector(erp_api, retries=2).get_order("100231")
    assert erp_api.hits(ORDER) == 3


@pytest.mark.parametrize(("status", "error"), [(404, NotFound), (400, Misconfigured), (501, Misconfigured)])
def test_permanent_answers_are_never_retried(erp_api: ErpApi, status: int, error: type[Exception]) -> None:
    erp_api.script(ORDER, ("status", status))
    with pytest.raises(error):
        connector(erp_api).get_order("100231")
    assert erp_api.hits(ORDER) == 1


def test_a_slow_api_times_out(erp_api: ErpApi) -> None:
    erp_api.script(ORDER, ("slow", 10))
    started = time.monotonic()
    with pytest.raises(Unavailable, match="no answer within 0.5 s"):
        connector(erp_api, timeout=0.5).get_order("100231")
    assert time.monotonic() - started < 2


def test_an_answer_that_trickles_in_is_cut_at_the_deadline(erp_api: ErpApi) -> None:
    erp_api.script(ORDER, ("drip", 0.2))  # each byte arrives well within any read timeout
    started = time.monotonic()
    with pytest.raises(Unavailable):
        connector(erp_api, timeout=1).get_order("100231")
    assert time.monotonic() - started < 2.5


def test_an_unreachable_api_is_unavailable() -> None:
    api = ErpApi(url="http://127.0.0.1:9")
    with pytest.raises(Unavailable, match="ConnectError"):
        connector(api, timeout=2).get_order("100231")


def test_an_answer_that_is_not_json_is_unavailable(erp_api: ErpApi) -> None:
    erp_api.script(ORDER, ("body", b"<html><body>502 Bad Gateway</body></html>"))
    with pytest.raises(Unavailable, match="not JSON"):
        connector(erp_api).get_order("100231")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"data": "oops"}', "no object or list at 'data'"),
        (b'{"result": {}}', "no object or list at 'data'"),
        (b'{"data": [1, 2]}', "non-objects"),
        (b'{"data": {"orderNo": "100231"}}', "no 'customer.id' for field 'customer_number'"),
        (
            b'{"data": {"orderNo": "1", "customer": {"id": "C1"}, "state": "NEW", "createdAt": "yesterday"}}',
            "'yesterday' is not a datetime",
        ),
    ],
)
def test_an_answer_of_the_wrong_shape_is_misconfigured(erp_api: ErpApi, body: bytes, message: str) -> None:
    erp_api.script(ORDER, ("body", body, "application/json"))
    with pytest.raises(Misconfigured, match=message):
        connector(erp_api).get_order("100231")


@pytest.mark.parametrize("key", [*HOSTILE_KEYS, "../invoices/55012", "100231?x=1", "100231#frag"])
def test_hostile_keys_are_not_found_and_stay_inside_their_path_segment(erp_api: ErpApi, key: str) -> None:
    http = connector(erp_api)
    for lookup in (http.get_order, http.get_shipment, http.get_product, http.get_invoice):
        with pytest.raises(NotFound):
            lookup(key)
    with pytest.raises(NotFound):
        http.find_customer(email=key)
    assert all(seen.path.count("/") == 4 or seen.path == "/api/v1/customers" for seen in erp_api.requests)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[lookups.order]\nselect = 'data'\n", "'order' needs a path"),
        ("[lookups.order]\npath = '/orders/{sku}'\n", "order.path uses parameters \\['sku'\\]"),
        ("[lookups.customer_by_email]\npath = '/c'\nquery = { q = '{mail}' }\n", "query.q uses parameters"),
    ],
)
def test_a_bad_mapping_file_is_misconfigured(
    erp_api: ErpApi, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "mapping.toml"
    path.write_text(content)
    with pytest.raises(Misconfigured, match=message):
        connector(erp_api, path)


def test_from_settings(settings: Any, erp_api: ErpApi) -> None:
    settings.ERP_HTTP_URL, settings.ERP_HTTP_MAPPING_FILE = "", str(MAPPING)
    with pytest.raises(Misconfigured, match="ERP_HTTP_URL is not set"):
        HttpConnector.from_settings()
    settings.ERP_HTTP_URL = "https://user:pw@erp.example.com/"
    with pytest.raises(Misconfigured, match="must not hold credentials") as raised:
        HttpConnector.from_settings()
    assert "pw" not in str(raised.value).replace("ERP_HTTP_PASSWORD", "")
    settings.ERP_HTTP_URL, settings.ERP_HTTP_TOKEN = erp_api.url, "t0k"
    erp_api.authorization = "Bearer t0k"
    assert HttpConnector.from_settings().get_order("100245").status == "confirmed"


@pytest.mark.django_db
def test_a_down_api_opens_the_circuit_for_every_process(settings: Any, erp_api: ErpApi) -> None:
    from integrations import get_connector

    settings.ERP_HTTP_URL, settings.ERP_HTTP_MAPPING_FILE = erp_api.url, str(MAPPING)
    settings.ERP_HTTP_RETRIES, settings.ERP_BREAKER_FAILURES = 0, 2
    erp_api.script(ORDER, ("status", 503))
    for _ in range(2):
        with pytest.raises(Unavailable, match="HTTP 503"):
            get_connector("http").get_order("100231")
    started = time.monotonic()
    with pytest.raises(Unavailable, match="ERP unavailable: 2 failed lookups in a row"):
        get_connector("http").get_invoice("55012")  # another record, a new connector: still open
    assert time.monotonic() - started < 0.5
    assert len(erp_api.requests) == 2
