from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "delivery"
    verbose_name = _("Delivery")

    def ready(self) -> None:
        from anymail.signals import tracking

        from delivery import checks  # noqa: F401 - registers the system checks
        from delivery.webhooks import receive_tracking

        # anymail's signals are the one door in from outside (docs/decisions.md).
        tracking.connect(receive_tracking, dispatch_uid="delivery.webhooks.receive_tracking")
