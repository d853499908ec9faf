from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("ERP integrations")

    def ready(self) -> None:
        from integrations import checks  # noqa: F401  (registers the system check)
