from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from integrations.demo_data import seed_erp
from tests.conftest import missing_service
from tests.integrations.erp_api import ErpApi, start_api
from tests.integrations.erp_source import database_name, fill, with_database


@pytest.fixture
def seeded(db: None) -> None:
    """The demo ERP data set in the test database."""
    seed_erp()


@pytest.fixture(scope="session")
def erp_postgres() -> Iterator[str]:
    """URL of a PostgreSQL database holding the example ERP schema, made for this test session."""
    import psycopg

    admin_url = os.environ.get("ERP_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        missing_service(f"PostgreSQL for the sql connector is not reachable: {exc}")
    name = database_name()
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    url = with_database(admin_url, name)
    try:
        with psycopg.connect(url) as connection, connection.cursor() as cursor:
            fill(cursor, mysql=False)
        yield url
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="session")
def erp_mariadb() -> Iterator[str]:
    """URL of a MariaDB/MySQL database holding the example ERP schema (root, no password, :3306)."""
    import pymysql

    try:
        admin = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", connect_timeout=5)
    except pymysql.err.OperationalError as exc:
        missing_service(f"MariaDB is not running on 127.0.0.1:3306 as root without a password: {exc}")
    name = database_name()
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
            cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
            cursor.execute(f"USE `{name}`")
            fill(cursor, mysql=True)
        admin.commit()
        yield f"mysql://root@127.0.0.1:3306/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()


@pytest.fixture(params=["postgresql", "mariadb"])
def erp_sql_url(request: pytest.FixtureRequest) -> str:
    """The example ERP on each database the sql connector supports."""
    fixture = "erp_postgres" if request.param == "postgresql" else "erp_mariadb"
    return str(request.getfixturevalue(fixture))


@pytest.fixture(scope="session")
def erp_api_server() -> Iterator[ErpApi]:
    api, server = start_api()
    yield api
    api.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def erp_api(erp_api_server: ErpApi) -> Iterator[ErpApi]:
    """The test ERP API with an empty script and log; slow answers end when the test does."""
    erp_api_server.reset()
    yield erp_api_server
    erp_api_server.release.set()
