"""The project's URLs: the operator pages, the JSON API, language switching and Django admin."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Helpdesk administration"

urlpatterns = [
    path("", include("helpdesk.web.urls")),
    path("api/", include("helpdesk.web.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
