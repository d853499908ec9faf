"""Every model of the product is in the admin, and every admin page renders on demo data."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from delivery.services import queue_reply
from helpdesk.models import Ticket

pytestmark = pytest.mark.django_db

PRODUCT_APPS = ("helpdesk", "drafts", "delivery", "integrations")

# Models kept out of the admin on purpose, each with the reason (models shown inline count as present).
NOT_REGISTERED_ON_PURPOSE: dict[str, str] = {}


def _inline_models() -> set[Any]:
    return {inline.model for model_admin in admin.site._registry.values() for inline in model_admin.inlines}


def test_every_product_model_is_in_the_admin() -> None:
    registered, inlined = set(admin.site._registry), _inline_models()
    missing = [
        model._meta.label
        for app in PRODUCT_APPS
        for model in apps.get_app_config(app).get_models()
        if model not in registered
        and model not in inlined
        and model._meta.label not in NOT_REGISTERED_ON_PURPOSE
    ]
    assert missing == [], f"models with no admin page and no inline: {missing}"


def test_every_admin_page_renders_on_demo_data(admin_client: Any) -> None:
    call_command("seed_demo", verbosity=0)
    ticket = Ticket.objects.order_by("pk").first()
    assert ticket is not None
    queue_reply(
        ticket=ticket,
        in_reply_to=None,
        to=["kund@example.se"],
        subject="Re: order",
        body="Hej",
        idempotency_key="admin-pages",
    )
    failures = []
    for model in sorted(admin.site._registry, key=lambda model: model._meta.label):
        opts, model_admin = model._meta, admin.site._registry[model]
        base = f"admin:{opts.app_label}_{opts.model_name}"
        changelist_url = reverse(f"{base}_changelist")
        changelist = admin_client.get(changelist_url)
        if changelist.status_code != 200:
            failures.append(f"{opts.label} {changelist_url}: HTTP {changelist.status_code}")
        pages: list[tuple[str, dict[str, str]]] = [(changelist_url, {"q": "100231"})]
        if model_admin.has_add_permission(changelist.wsgi_request):
            pages.append((reverse(f"{base}_add"), {}))
        first = model._default_manager.first()
        if first is not None:
            pages.append((reverse(f"{base}_change", args=[first.pk]), {}))
        for url, query in pages:
            status = admin_client.get(url, query).status_code
            if status != 200:
                failures.append(f"{opts.label} {url} {query or ''}: HTTP {status}")
    assert failures == []
