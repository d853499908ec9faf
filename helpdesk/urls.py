"""The project's URLs: the operator pages, the JSON API, language switching, Django admin, ESP webhooks."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from helpdesk.ingest import webhooks

admin.site.site_header = _("Helpdesk administration")
admin.site.site_title = _("Helpdesk administration")

# Error pages in the product's layout and language (helpdesk.web.errors).
handler400 = "helpdesk.web.errors.bad_request"
handler403 = "helpdesk.web.errors.permission_denied"
handler404 = "helpdesk.web.errors.page_not_found"
handler500 = "helpdesk.web.errors.server_error"

# ESP inbound mail (anymail's inbound signal) goes through ingest like IMAP mail.
webhooks.connect()

urlpatterns = [
    path("", include("helpdesk.web.urls")),
    path("api/", include("helpdesk.web.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # ESP webhooks: tracking (delivery.webhooks) and inbound mail; anymail checks WEBHOOK_SECRET
    # (basic auth) and the ESP's signature.
    path("anymail/", include("anymail.urls")),
]
