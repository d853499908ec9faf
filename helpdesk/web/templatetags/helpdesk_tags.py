"""Small template helpers of the operator pages: SLA badges and server-rendered SVG bar charts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import template
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from drafts.models import Intent

register = template.Library()

DUE_SOON = dt.timedelta(hours=1)


@register.simple_tag
def sla_badge(ticket: Any) -> SafeString:
    """The SLA due time, marked overdue or due soon while the ticket is unsolved."""
    due = ticket.sla_due_at
    when = naturaltime(due)
    if ticket.is_closed:
        return format_html('<time class="muted" datetime="{}">{}</time>', due.isoformat(), when)
    now = timezone.now()
    if due <= now:
        return format_html(
            '<time class="sla overdue" datetime="{}">{} · {}</time>', due.isoformat(), _("Overdue"), when
        )
    css = "sla soon" if due - now <= DUE_SOON else "sla"
    return format_html('<time class="{}" datetime="{}">{}</time>', css, due.isoformat(), when)


@register.inclusion_tag("helpdesk/_bar_chart.html")
def bar_chart(
    rows: Sequence[tuple[str, float]], title: str, unit: str = "", max_value: float = 0
) -> dict[str, Any]:
    """A horizontal bar chart as inline SVG: one labelled bar per (label, value)."""
    top = max([max_value, *(value for _label, value in rows)]) or 1
    bar_height, gap, label_width, width = 22, 8, 170, 520
    bars = [
        {
            "label": label,
            "value": value,
            "value_text": formats.localize(round(value, 1) if isinstance(value, float) else value),
            "y": index * (bar_height + gap),
            "width": round((width - label_width - 60) * value / top, 1),
            "text_y": index * (bar_height + gap) + bar_height * 0.7,
        }
        for index, (label, value) in enumerate(rows)
    ]
    return {
        "bars": bars,
        "title": title,
        "unit": unit,
        "bar_height": bar_height,
        "label_width": label_width,
        "value_x_offset": label_width + 6,
        "width": width,
        "height": max(len(rows) * (bar_height + gap), bar_height),
    }


@register.filter
def intent_label(intent: str) -> str:
    """A ticket's intent (``drafts.models.Intent``) as words in the active language."""
    return str(dict(Intent.choices).get(intent, intent))


@register.filter
def plus(value: float, other: float) -> float:
    return value + other


@register.filter
def duration(seconds: float | None) -> str:
    """A span of seconds as "2 h 5 min", "3 d 4 h" or "45 s"."""
    if seconds is None:
        return "—"
    total = int(round(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    if minutes:
        return _("%(m)d min") % {"m": minutes}
    return _("%(s)d s") % {"s": secs}
