from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from helpdesk.web.api import privacy, views

router = DefaultRouter()
router.register("tickets", views.TicketViewSet, basename="api-ticket")
router.register("drafts", views.DraftViewSet, basename="api-draft")
router.register("outbound", views.OutboundViewSet, basename="api-outbound")
router.register("suppressions", views.SuppressionViewSet, basename="api-suppression")

urlpatterns = [
    path("", include(router.urls)),
    path("attachments/<int:pk>/", views.attachment_view, name="api-attachment"),
    path("contacts/<int:pk>/export/", privacy.export_json, name="api-contact-export"),
    path("contacts/<int:pk>/export.zip", privacy.export_zip, name="api-contact-export-zip"),
    path("contacts/<int:pk>/erase/", privacy.erase, name="api-contact-erase"),
    path("contacts/<int:pk>/legal-hold/", privacy.legal_hold, name="api-contact-legal-hold"),
    path("metrics/", views.metrics_view, name="api-metrics"),
    path("contacts/<int:pk>/consents/", views.contact_consents_view, name="api-contact-consents"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
