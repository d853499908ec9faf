"""Which connector serves ERP lookups: a name from ``settings.ERP_CONNECTOR`` mapped to a class.

Classes are imported on first use, so an installation using ``demo`` never imports a database driver
or HTTP client it does not need.
"""

from __future__ import annotations

from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from integrations.base import Connector, Misconfigured
from integrations.resilience import make_resilient

CONNECTORS: dict[str, str] = {
    "demo": "integrations.connectors.demo.DemoConnector",
    "sql": "integrations.connectors.sql.SqlConnector",
    "http": "integrations.connectors.http.HttpConnector",
}


class ConnectorClass(Protocol):
    """What the registry needs of a connector class: build an instance from Django settings."""

    def from_settings(self) -> Connector: ...


@cache
def connector_class(name: str) -> ConnectorClass:
    """The class registered as ``name``; ``Misconfigured`` when there is none."""
    try:
        path = CONNECTORS[name]
    except KeyError:
        known = ", ".join(sorted(CONNECTORS))
        raise Misconfigured(f"ERP_CONNECTOR={name!r} is not one of: {known}") from None
    try:
        cls: ConnectorClass = import_string(path)
    except ImportError as exc:
        raise Misconfigured(f"ERP connector {name!r} cannot be loaded: {exc}") from None
    return cls


def get_connector(name: str | None = None, *, fresh: bool = False) -> Connector:
    """A connector for one unit of work (say, one draft), built from the current settings.

    ``name`` defaults to ``settings.ERP_CONNECTOR``. The connector comes wrapped in a deadline, the
    shared cache and the circuit breaker (``integrations.resilience``). Raises ``Misconfigured`` when
    the connector's settings are wrong. ``fresh`` asks the ERP even when the cache holds the answer or
    the circuit is open: for connection tests, not for drafts.
    """
    inner = connector_class(name or settings.ERP_CONNECTOR).from_settings()
    return make_resilient(inner, fresh=fresh)
