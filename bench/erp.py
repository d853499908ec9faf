"""Cost of one ERP order lookup per connector, raw and through ``get_connector()``'s shared cache.

Usage: python -m bench erp -- [--n 200]

Baseline: the raw ``demo`` connector (ORM reads of the demo tables). Measured in the same run: each
connector raw (``sql`` opens a connection per lookup; ``http`` makes one GET per order) and wrapped by
``make_resilient`` answering from the database cache. Needs PostgreSQL (``make bench`` sets
``DATABASE_URL``); the sql connector reads a temporary copy of the example ERP schema on that server,
and the http connector the test suite's example API on a local port.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

from bench._results import record

ORDERS = ["100231", "100238", "100245", "100252", "100259", "100266", "100273"]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench erp")
    parser.add_argument("--n", type=int, default=200, help="lookups per measurement")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    import django

    django.setup()
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        print("bench erp needs PostgreSQL: set DATABASE_URL (make bench does)")
        return 2
    _prepare_database()
    return _run(args.n)


def _admin_url() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    auth = f"{db['USER']}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{db['USER']}@"
    return f"postgresql://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/postgres"


def _prepare_database() -> None:
    """Create (if needed), migrate and seed the benchmark database."""
    import psycopg
    from django.conf import settings
    from django.core.management import call_command

    from integrations.demo_data import seed_erp

    name = settings.DATABASES["default"]["NAME"]
    with psycopg.connect(_admin_url(), autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    seed_erp()


def _run(n: int) -> int:
    import psycopg
    from django.conf import settings
    from django.core.cache import cache

    from integrations.connectors.demo import DemoConnector
    from integrations.connectors.http import LOOKUP_OPTIONS, HttpConnector
    from integrations.connectors.sql import SqlConnector
    from integrations.mapping import load_mapping
    from integrations.resilience import make_resilient
    from tests.integrations.erp_api import start_api
    from tests.integrations.erp_source import EXAMPLES, database_name, fill, with_database

    admin_url = _admin_url()
    name = database_name()
    admin = psycopg.connect(admin_url, autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    api, server = start_api()
    try:
        sql_url = with_database(admin_url, name)
        with psycopg.connect(sql_url) as connection, connection.cursor() as cursor:
            fill(cursor, mysql=False)
        tz = str(settings.TIME_ZONE)
        sql_config = load_mapping(
            EXAMPLES / "sql_queries.toml", default_system="sql", default_timezone=tz, lookup_options={"sql"}
        )
        http_config = load_mapping(
            EXAMPLES / "http_mapping.toml",
            default_system="http",
            default_timezone=tz,
            lookup_options=LOOKUP_OPTIONS,
        )
        connectors: dict[str, Any] = {
            "demo": DemoConnector(),
            "sql": SqlConnector(url=sql_url, config=sql_config, timeout=5),
            "http": HttpConnector(base_url=api.url, config=http_config, timeout=5),
        }
        cache.clear()
        baseline = _per_lookup(connectors["demo"].get_order, n)
        print(f"demo raw (baseline)        {baseline * 1000:8.3f} ms per order lookup")
        for label, connector in connectors.items():
            raw = baseline if label == "demo" else _per_lookup(connector.get_order, n)
            wrapped = make_resilient(connector)
            for number in ORDERS:  # the first lookup of each order fills the cache
                wrapped.get_order(number)
            cached = _per_lookup(wrapped.get_order, n)
            if label != "demo":
                print(f"{label + ' raw':<26} {raw * 1000:8.3f} ms  ({raw / baseline:5.2f}x baseline)")
            print(
                f"{label + ' cached':<26} {cached * 1000:8.3f} ms  ({cached / baseline:5.2f}x baseline, "
                f"{raw / cached:5.1f}x faster than raw)"
            )
            record(
                f"{label} order lookup, cached",
                cached * 1000,
                "ms",
                baseline=f"{label} raw",
                baseline_value=raw * 1000,
                higher_is_better=False,
            )
    finally:
        api.release.set()
        server.shutdown()
        server.server_close()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    return 0


def _per_lookup(lookup: Callable[[str], object], n: int) -> float:
    started = time.perf_counter()
    for i in range(n):
        lookup(ORDERS[i % len(ORDERS)])
    return (time.perf_counter() - started) / n
