"""System checks: a delivery setting that cannot work stops ``manage.py check`` and start-up, naming it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from delivery import dkim
from delivery.pacing import parse_rates
from delivery.transports import build_transport, parse_routes


@register()
def check_delivery_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    names = {"default", *settings.DELIVERY_TRANSPORTS}
    for name in sorted(names):
        try:
            build_transport(name)
        except ValueError as exc:
            setting = "EMAIL_BACKEND / EMAIL_*" if name == "default" else f"DELIVERY_TRANSPORT_{name.upper()}"
            errors.append(Error(f"{setting}: {exc}", id="delivery.E001"))
    try:
        routes = parse_routes(settings.DELIVERY_ROUTES, settings.DELIVERY_FALLBACK)
    except ValueError as exc:
        errors.append(Error(str(exc), id="delivery.E002"))
    else:
        for key, name in routes.table.items():
            if name not in names:
                errors.append(
                    Error(
                        f"DELIVERY_ROUTES: {key} goes to {name!r}, which no DELIVERY_TRANSPORT_ names",
                        id="delivery.E003",
                    )
                )
        if routes.fallback and routes.fallback not in names:
            errors.append(Error(f"DELIVERY_FALLBACK: no transport {routes.fallback!r}", id="delivery.E003"))
    for setting in ("DELIVERY_RATES", "DELIVERY_DOMAIN_RATES"):
        try:
            parse_rates(getattr(settings, setting), setting)
        except ValueError as exc:
            errors.append(Error(str(exc), id="delivery.E004"))
    bounce = settings.DELIVERY_BOUNCE_ADDRESS
    if bounce and (bounce.count("@") != 1 or "+" in bounce.partition("@")[0]):
        errors.append(
            Error(
                "DELIVERY_BOUNCE_ADDRESS must be one address without '+', e.g. bounces@example.com",
                id="delivery.E005",
            )
        )
    if settings.DKIM_PRIVATE_KEY:
        try:
            dkim.public_key_of(settings.DKIM_PRIVATE_KEY.encode())
        except (ValueError, TypeError) as exc:
            errors.append(
                Error(
                    f"DKIM_PRIVATE_KEY cannot be read as an RSA PEM or an Ed25519 key: {exc}",
                    id="delivery.E006",
                )
            )
    return errors
