"""System check: a wrong connector setting or mapping file stops ``manage.py check`` and start-up."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from integrations.base import Misconfigured
from integrations.registry import connector_class


@register()
def check_erp_connector(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Build the configured connector once (no ERP call) so mapping mistakes show before the first draft."""
    try:
        connector_class(settings.ERP_CONNECTOR).from_settings()
    except Misconfigured as exc:
        return [Error(f"ERP_CONNECTOR={settings.ERP_CONNECTOR}: {exc}", id="integrations.E001")]
    return []
