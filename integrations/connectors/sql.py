"""The ``sql`` connector: read-only queries against the ERP's own database.

``ERP_SQL_URL`` (a secret: ``ERP_SQL_URL_FILE`` works) names the database, ``postgresql://...`` (psycopg)
or ``mysql://...`` / ``mariadb://...`` (PyMySQL); ``ERP_SQL_QUERIES_FILE`` holds one query per lookup
with ``%(name)s`` parameters (see ``integrations/examples/sql_queries.toml``). Parameters are always
bound by the driver, never formatted into SQL. Each lookup opens one connection, sets it read-only with
a statement timeout of ``ERP_TIMEOUT_SECONDS``, runs its queries and closes it. The ERP database is
deliberately not a Django database alias: Django would try to manage (and in tests, create) it.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings

from integrations.base import ConnectorError, Misconfigured, NotFound, Unavailable, redact
from integrations.connectors.mapped import MappedConnector, Row
from integrations.mapping import LookupSpec, MappingConfig, load_mapping, placeholders

MAX_ROWS = 500
POSTGRES_SCHEMES = {"postgres", "postgresql"}
MYSQL_SCHEMES = {"mysql", "mariadb"}
# MySQL/MariaDB error numbers that mean the settings or the queries are wrong, not the server down.
MYSQL_MISCONFIGURED = {1044, 1045, 1046, 1049, 1054, 1064, 1142, 1143, 1146, 1149, 1227, 1370, 1792}
MYSQL_TIMEOUT = {1317, 1969, 3024}
# A key of the wrong type or character set for its column: no such record.
MYSQL_BAD_KEY = {1267, 1271, 1292, 1366}


class SqlConnector(MappedConnector):
    """Looks records up with the mapping file's SQL, over psycopg or PyMySQL."""

    name = "sql"

    def __init__(self, *, url: str, config: MappingConfig, timeout: float) -> None:
        super().__init__(config)
        parts = urlsplit(url)
        if parts.scheme not in POSTGRES_SCHEMES | MYSQL_SCHEMES:
            raise Misconfigured("ERP_SQL_URL must start with postgresql://, mysql:// or mariadb://")
        missing = [
            name for name, spec in config.lookups.items() if not isinstance(spec.options.get("sql"), str)
        ]
        if missing:
            raise Misconfigured(f"{config.path}: lookups {missing} have no sql")
        self.url, self.parts, self.timeout = url, parts, timeout
        self.postgres = parts.scheme in POSTGRES_SCHEMES
        self._secrets = [url, unquote(parts.password or "")]
        self.cache_namespace = hashlib.sha256(f"{url}\n{config.text}".encode()).hexdigest()[:16]
        self._local = threading.local()

    @classmethod
    def from_settings(cls) -> SqlConnector:
        url, path = settings.ERP_SQL_URL, settings.ERP_SQL_QUERIES_FILE
        if not url:
            raise Misconfigured("ERP_SQL_URL is not set")
        if not path:
            raise Misconfigured("ERP_SQL_QUERIES_FILE is not set")
        config = load_mapping(
            path, default_system="sql", default_timezone=str(settings.TIME_ZONE), lookup_options={"sql"}
        )
        return cls(url=url, config=config, timeout=settings.ERP_TIMEOUT_SECONDS)

    @contextlib.contextmanager
    def _session(self) -> Iterator[None]:
        self._local.lookup = "connect"
        try:
            connection = self._connect_postgres() if self.postgres else self._connect_mysql()
            self._local.connection = connection
            try:
                yield
            finally:
                self._local.connection = None
                with contextlib.suppress(Exception):
                    connection.close()
        except ConnectorError:
            raise
        except Exception as exc:
            raise self._translate(exc) from None

    def _fetch(self, spec: LookupSpec, params: dict[str, Any], parent: Row | None) -> list[Row]:
        sql: str = spec.options["sql"]
        bound = {name: params[name] for name in placeholders(sql)}
        self._local.lookup = spec.name
        cursor = self._local.connection.cursor()
        try:
            try:
                cursor.execute(sql, bound)
            except (KeyError, ValueError, TypeError, IndexError):
                # Raised by the driver while binding: a stray "%" or a placeholder of another style.
                raise Misconfigured(
                    f"{self.config.path}: the sql of {spec.name!r} cannot take its parameters; "
                    "write a literal % as %% and parameters as %(name)s"
                ) from None
            rows = cursor.fetchmany(MAX_ROWS if spec.many else 1)
            return [dict(row) for row in rows]
        finally:
            cursor.close()

    # --- drivers ----------------------------------------------------------------------------------

    def _connect_postgres(self) -> Any:
        import psycopg
        from psycopg.rows import dict_row

        connection = psycopg.connect(
            self.url,
            connect_timeout=max(2, math.ceil(self.timeout)),
            application_name="helpdesk-erp",
            row_factory=dict_row,
        )
        connection.read_only = True
        # set_config() takes bound values, unlike SET; "false" keeps them for the whole session.
        connection.execute(
            "SELECT set_config('statement_timeout', %s, false), "
            "set_config('default_transaction_read_only', 'on', false)",
            [f"{max(1, int(self.timeout * 1000))}ms"],
        )
        return connection

    def _connect_mysql(self) -> Any:
        import pymysql
        import pymysql.cursors

        options = parse_qs(self.parts.query)
        ssl = {"ca": options["ssl_ca"][0]} if "ssl_ca" in options else None
        seconds = max(1, math.ceil(self.timeout))
        connection = pymysql.connect(
            host=self.parts.hostname or "localhost",
            port=self.parts.port or 3306,
            user=unquote(self.parts.username or ""),
            password=unquote(self.parts.password or ""),
            database=unquote(self.parts.path.lstrip("/")) or None,
            charset="utf8mb4",
            connect_timeout=seconds,
            read_timeout=seconds + 1,
            write_timeout=seconds + 1,
            cursorclass=pymysql.cursors.DictCursor,
            autocommit=True,
            ssl=ssl,
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT VERSION() AS version")
            version = str(cursor.fetchone()["version"])
            if "mariadb" in version.lower():
                cursor.execute("SET SESSION max_statement_time = %s", [self.timeout])
            else:
                cursor.execute("SET SESSION max_execution_time = %s", [max(1, int(self.timeout * 1000))])
            cursor.execute("SET SESSION TRANSACTION READ ONLY")
        return connection

    # --- errors -----------------------------------------------------------------------------------

    def _translate(self, exc: Exception) -> ConnectorError:
        """A driver error as the connector's typed error, its text free of the URL and password."""
        lookup = getattr(self._local, "lookup", "?")
        text = redact(" ".join(str(exc).split()), self._secrets)[:300]
        if self.postgres:
            return self._postgres_error(exc, lookup, text)
        return self._mysql_error(exc, lookup, text)

    def _postgres_error(self, exc: Exception, lookup: str, text: str) -> ConnectorError:
        import psycopg

        state = getattr(exc, "sqlstate", None) or ""
        if isinstance(exc, psycopg.errors.QueryCanceled):
            return Unavailable(
                f"ERP database: {lookup!r} was cancelled by the {self.timeout:g} s statement timeout"
            )
        if state.startswith("22"):
            return NotFound(f"no record with that key ({lookup!r}: the ERP rejected the key's type)")
        if isinstance(exc, psycopg.ProgrammingError) and not state:
            return Misconfigured(f"{self.config.path}: the sql of {lookup!r} is not valid: {text}")
        if state == "25006":
            return Misconfigured(f"{self.config.path}: {lookup!r} tried to write; ERP queries must only read")
        connection_refused = lookup == "connect" and (
            "authentication failed" in text or "does not exist" in text
        )
        if state.startswith(("28", "42", "3D")) or connection_refused:
            return Misconfigured(f"ERP database rejected {lookup!r}: {text}")
        return Unavailable(f"ERP database unavailable ({lookup!r}): {text}")

    def _mysql_error(self, exc: Exception, lookup: str, text: str) -> ConnectorError:
        import pymysql

        code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else 0
        if code in MYSQL_TIMEOUT:
            return Unavailable(
                f"ERP database: {lookup!r} was stopped by the {self.timeout:g} s statement timeout"
            )
        if code in MYSQL_BAD_KEY or isinstance(exc, pymysql.err.DataError):
            return NotFound(f"no record with that key ({lookup!r}: the ERP rejected the key's type)")
        if code in MYSQL_MISCONFIGURED or isinstance(exc, pymysql.err.ProgrammingError):
            return Misconfigured(f"ERP database rejected {lookup!r}: {text}")
        return Unavailable(f"ERP database unavailable ({lookup!r}): {text}")
