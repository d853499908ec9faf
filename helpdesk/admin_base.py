"""Shared admin pieces for the product apps."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest

from helpdesk.audit import audit

_M = TypeVar("_M", bound=Model)


class ReadOnlyAdmin(admin.ModelAdmin[_M]):
    """Pages to list and read records that are evidence (audit events, raw mail, the outbound queue):
    nobody adds, changes or deletes them here, not even a superuser."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AuditedAdmin(admin.ModelAdmin[Any]):
    """Settings that steer the product (drafting, service levels) are decisions: every change is audited."""

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool) -> None:
        super().save_model(request, obj, form, change)
        action = f"{obj._meta.model_name}.{'changed' if change else 'created'}"
        audit(action=action, obj=obj, actor=request.user, data={"fields": sorted(form.changed_data)})

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit(action=f"{obj._meta.model_name}.deleted", obj=obj, actor=request.user, data={"name": str(obj)})
        super().delete_model(request, obj)
