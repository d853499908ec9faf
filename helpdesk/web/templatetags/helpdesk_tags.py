"""Small template helpers of the operator pages: SLA badges and server-rendered SVG bar charts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from drafts.models import Intent
from helpdesk.web import erp_words

register = template.Library()

DUE_SOON = dt.timedelta(hours=1)


@register.simple_tag
def sla_target(ticket: Any, target: str) -> SafeString:
    """One SLA target of the ticket page: met or missed (with when), paused, or due (marked when soon
    or overdue). ``target`` is "first_response" or "resolution"."""
    if target == "first_response":
        due, done = ticket.first_response_due_at, ticket.first_response_at
    else:
        due, done = ticket.resolution_due_at, ticket.resolved_at if ticket.is_closed else None
    if due is None:
        return mark_safe("—")  # noqa: S308 - a constant
    when = formats.date_format(timezone.localtime(due), "DATETIME_FORMAT")
    if done is not None:
        met = done <= due
        return format_html(
            '<span class="sla {}" title="{}">{}</span>',
            "met" if met else "missed",
            _("Due %(when)s") % {"when": when},
            _("Met") if met else _("Missed"),
        )
    if ticket.sla_paused_at is not None and ticket.sla_due_at is None:
        return format_html(
            '<span class="sla paused" title="{}">{}</span>',
            _("SLA paused: waiting on the customer"),
            _("Paused"),
        )
    now = timezone.now()
    css = "sla overdue" if due <= now else "sla soon" if due - now <= DUE_SOON else "sla"
    text = f"{_('Overdue')} · {when}" if due <= now else when
    return format_html('<time class="{}" datetime="{}">{}</time>', css, due.isoformat(), text)


# Chart text is 13 px; a character of the system sans-serif is at most about this wide on average.
CHART_CHAR_WIDTH = 7.4
CHART_LABEL_CHARS = 34  # longer labels are shortened with "…" (the bar's tooltip has them whole)


@register.inclusion_tag("helpdesk/_bar_chart.html")
def bar_chart(
    rows: Sequence[tuple[str, float]], title: str, unit: str = "", max_value: float = 0, threshold: float = 0
) -> dict[str, Any]:
    """A horizontal bar chart as inline SVG: one labelled bar per (label, value). The label column is
    as wide as the longest label (in any language) and the bars leave room for their values, so no
    text is cut off or runs out of the picture. ``threshold`` > 0 draws a marked line at that value, and
    bars past it are drawn as over."""
    top = max([max_value, threshold * 1.25, *(value for _label, value in rows)]) or 1
    labels = [
        label if len(label) <= CHART_LABEL_CHARS else label[: CHART_LABEL_CHARS - 1] + "…"
        for label, _ in rows
    ]
    values = [
        f"{formats.localize(round(value, 1) if isinstance(value, float) else value)}{unit}"
        for _label, value in rows
    ]
    bar_height, gap, width = 22, 8, 520
    label_width = round(min(max([8, *map(len, labels)]) * CHART_CHAR_WIDTH + 8, width * 0.5))
    value_room = round(max([3, *map(len, values)]) * CHART_CHAR_WIDTH + 10)
    room = width - label_width - value_room
    bars = [
        {
            "label": label,
            "full_label": full,
            "value_text": text,
            "y": index * (bar_height + gap),
            "width": round(room * value / top, 1),
            "text_y": index * (bar_height + gap) + bar_height * 0.7,
            "over": bool(threshold) and value > threshold,
        }
        for index, ((full, value), label, text) in enumerate(zip(rows, labels, values, strict=True))
    ]
    height = max(len(rows) * (bar_height + gap), bar_height)
    threshold_x = label_width + round(room * threshold / top, 1) if threshold else None
    return {
        "threshold": threshold,
        "threshold_x": threshold_x,
        "threshold_text": f"{formats.localize(threshold)}{unit}",
        "bars": bars,
        "title": title,
        "bar_height": bar_height,
        "label_width": label_width,
        "value_x_offset": label_width + 6,
        "width": width,
        "height": height,
    }


@register.filter
def intent_label(intent: str) -> str:
    """A ticket's intent (``drafts.models.Intent``) as words in the active language."""
    return str(dict(Intent.choices).get(intent, intent))


@register.filter
def erp_status(code: Any, record_type: str) -> str:
    """An ERP status code in the active language: ``{{ shipment.status|erp_status:"shipment" }}``."""
    return erp_words.status_label(record_type, code)


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


@register.filter
def percent(share: float | None) -> str:
    """0.0012 -> "0.12 %" (two decimals: complaint rates live below one per cent)."""
    if share is None:
        return "—"
    return f"{formats.localize(round(100 * share, 2))} %"
