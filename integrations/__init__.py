"""ERP connectors: ``get_connector()`` returns the configured one (see ``integrations.base``)."""

from __future__ import annotations

from integrations.base import ConnectorError, Misconfigured, NotFound, Unavailable
from integrations.registry import get_connector

__all__ = ["ConnectorError", "Misconfigured", "NotFound", "Unavailable", "get_connector"]
