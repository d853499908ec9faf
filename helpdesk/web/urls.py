"""The operator pages and the sign-in pages."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from helpdesk.web import (
    consent_views,
    deliverability_views,
    delivery_views,
    dev_views,
    domain_views,
    draft_views,
    health,
    notice_views,
    ticket_views,
    two_factor,
    unsubscribe_views,
    views,
)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("health/live", health.live, name="health_live"),
    path("health/ready", health.ready, name="health_ready"),
    path("tickets/<int:pk>/", ticket_views.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/next/", ticket_views.ticket_next, name="ticket_next"),
    path("tickets/<int:pk>/update/", ticket_views.ticket_update, name="ticket_update"),
    path("tickets/<int:pk>/assign-me/", ticket_views.ticket_assign_me, name="ticket_assign_me"),
    path("tickets/<int:pk>/notes/", ticket_views.ticket_note, name="ticket_note"),
    path("tickets/<int:pk>/merge/", ticket_views.ticket_merge, name="ticket_merge"),
    path("tickets/<int:pk>/presence/", ticket_views.ticket_presence, name="ticket_presence"),
    path(
        "tickets/<int:pk>/presence/leave/", ticket_views.ticket_presence_leave, name="ticket_presence_leave"
    ),
    path("tickets/<int:pk>/erp/", ticket_views.ticket_erp, name="ticket_erp"),
    path("contacts/<int:pk>/consent/", consent_views.contact_consent, name="contact_consent"),
    path("tickets/<int:pk>/draft/", draft_views.draft_panel, name="ticket_draft"),
    path("tickets/<int:pk>/reply/", draft_views.compose_reply, name="compose_reply"),
    path("tickets/<int:pk>/forward/", draft_views.compose_forward, name="compose_forward"),
    path("drafts/<int:pk>/save/", draft_views.draft_save, name="draft_save"),
    path("drafts/<int:pk>/approve/", draft_views.draft_approve, name="draft_approve"),
    path("drafts/<int:pk>/reject/", draft_views.draft_reject, name="draft_reject"),
    path("drafts/<int:pk>/regenerate/", draft_views.draft_regenerate, name="draft_regenerate"),
    path("drafts/<int:pk>/undo/", draft_views.draft_undo, name="draft_undo"),
    path("outbound/<int:pk>/resend/", delivery_views.outbound_resend, name="outbound_resend"),
    path("outbound/<int:pk>/mark-sent/", delivery_views.outbound_mark_sent, name="outbound_mark_sent"),
    path("outbound/<int:pk>/acknowledge/", delivery_views.outbound_acknowledge, name="outbound_acknowledge"),
    path("messages/<int:pk>/body/", ticket_views.message_body, name="message_body"),
    path("dev/mail/", dev_views.captured_mail, name="dev_mail"),
    path("dev/mail/<str:name>/", dev_views.captured_mail_detail, name="dev_mail_detail"),
    path("attachments/<int:pk>/", ticket_views.attachment_download, name="attachment"),
    path("settings/", views.account_settings, name="settings"),
    path("settings/api-tokens/", views.create_api_token, name="create_api_token"),
    path("settings/api-tokens/<int:pk>/replace/", views.replace_api_token, name="replace_api_token"),
    path("settings/api-tokens/<int:pk>/revoke/", views.revoke_api_token, name="revoke_api_token"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("deliverability/", deliverability_views.deliverability, name="deliverability"),
    path("deliverability/dmarc/", deliverability_views.dmarc, name="dmarc"),
    path("deliverability/bulk/<int:pk>/resume/", deliverability_views.bulk_resume, name="bulk_resume"),
    path("deliverability/domain/", domain_views.domain_check, name="domain_check"),
    path("metrics", deliverability_views.prometheus_metrics, name="prometheus_metrics"),
    path("notices/", notice_views.notice_list, name="notices"),
    path("notices/<int:pk>/", notice_views.notice_detail, name="notice"),
    path("notices/<int:pk>/start/", notice_views.notice_start, name="notice_start"),
    path("notices/<int:pk>/approve/", notice_views.notice_approve, name="notice_approve"),
    path("notices/<int:pk>/cancel/", notice_views.notice_cancel, name="notice_cancel"),
    path("notices/<int:pk>/review/<int:recipient_pk>/", notice_views.notice_review, name="notice_review"),
    path("help/", views.shortcuts_help, name="help"),
    path("u/<str:token>/", unsubscribe_views.unsubscribe, name="unsubscribe"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/verify/", two_factor.verify, name="two_factor_verify"),
    path("accounts/two-factor/", two_factor.setup, name="two_factor_setup"),
]
