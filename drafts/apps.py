from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DraftsConfig(AppConfig):
    name = "drafts"
    verbose_name = _("AI drafts")

    def ready(self) -> None:
        from drafts import checks  # noqa: F401  (registers the system check)
