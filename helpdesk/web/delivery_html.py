"""What the conversation shows of a reply's delivery: its state in words, the attempts, and what a person
can do about a reply that did not (or may not have) gone out. Written by Python like the rest of the
conversation (``thread_html``); every text from a server or a setting is escaped."""

from __future__ import annotations

from html import escape

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from delivery.models import DeliveryAttempt, DeliveryEvent, OutboundMessage

Status = OutboundMessage.Status


def delivery_block(outbound: OutboundMessage, *, csrf_token: str) -> str:
    """The delivery state of one reply as a ``<div>`` inside its article."""
    status = outbound.status
    held = outbound.held_until()
    state = "held" if held else status
    html = [f'<div class="delivery delivery-{escape(state)}" role="status">']
    html.append(f'<span class="badge delivery-state">{escape(_label(outbound, held is not None))}</span> ')
    html.append(f'<span class="delivery-detail">{escape(_detail(outbound))}</span>')
    attempts = list(outbound.delivery_attempts.all())
    events = list(outbound.events.all())
    if attempts or events:
        summary = ngettext("%(count)d attempt", "%(count)d attempts", len(attempts)) % {
            "count": len(attempts)
        }
        if events:
            summary += " · " + ngettext("%(count)d event", "%(count)d events", len(events)) % {
                "count": len(events)
            }
        html.append(f'<details class="attempts"><summary>{escape(summary)}</summary><ol>')
        timeline = sorted(
            [(attempt.started_at, _attempt_line(attempt)) for attempt in attempts]
            + [(event.occurred_at, _event_line(event)) for event in events],
            key=lambda item: item[0],
        )
        html.extend(f"<li>{escape(line)}</li>" for _when_at, line in timeline)
        html.append("</ol></details>")
    if outbound.needs_attention:
        html.append(_actions(outbound, csrf_token))
    html.append("</div>\n")
    return "".join(html)


def _label(outbound: OutboundMessage, held: bool) -> str:
    if held:
        return _("Held for undo")
    return str(outbound.get_status_display())


def _detail(outbound: OutboundMessage) -> str:
    status = outbound.status
    if outbound.held_until():
        return _("goes out at %(time)s unless undone") % {"time": _when(outbound.release_at)}
    if status == Status.QUEUED:
        return _("waiting for the mail worker")
    if status == Status.SENDING:
        return _("being handed to %(transport)s") % {"transport": outbound.transport or _("the mail server")}
    if status == Status.DEFERRED:
        return _("attempt %(n)d failed for now; next attempt at %(time)s: %(error)s") % {
            "n": outbound.attempts,
            "time": _when(outbound.next_attempt_at),
            "error": outbound.last_error,
        }
    if status == Status.SENT:
        sent = _("at %(time)s via %(transport)s") % {
            "time": _when(outbound.sent_at),
            "transport": outbound.transport,
        }
        if outbound.last_error:
            return f"{sent}; {_('not accepted for')}: {outbound.last_error}"
        return sent
    if status == Status.FAILED:
        return _("the mail server refused it: %(error)s") % {"error": outbound.last_error}
    if status == Status.SUPPRESSED:
        return _("not sent, the address is blocked: %(reason)s") % {"reason": outbound.last_error}
    if status == Status.BOUNCED:
        return _("it came back undelivered: %(error)s") % {"error": outbound.last_error}
    if status == Status.COMPLAINED:
        return _("the recipient marked it as spam: %(error)s") % {"error": outbound.last_error}
    if status == Status.DELIVERED:
        return _("the receiving server accepted it (%(transport)s)") % {"transport": outbound.transport}
    if status == Status.UNCERTAIN:
        return _(
            "the connection broke after the mail was handed over, so it may have arrived. Ask the customer "
            "or check the mail server's log, then record what happened."
        )
    return outbound.last_error


def _attempt_line(attempt: DeliveryAttempt) -> str:
    parts = [
        _when(attempt.started_at),
        attempt.transport or _("gate"),
        str(attempt.get_outcome_display() or "…"),
    ]
    if attempt.smtp_code:
        parts.append(str(attempt.smtp_code))
    if attempt.response:
        parts.append(attempt.response)
    if attempt.duration_ms is not None:
        parts.append(f"{attempt.duration_ms} ms")
    return " · ".join(parts)


def _event_line(event: DeliveryEvent) -> str:
    parts = [_when(event.occurred_at), event.source, str(event.get_kind_display())]
    if event.hard is not None and event.kind == DeliveryEvent.Kind.BOUNCED:
        parts.append(_("hard") if event.hard else _("soft"))
    parts.extend(
        part for part in (event.recipient, event.status, event.reason, event.diagnostic[:300]) if part
    )
    return " · ".join(parts)


def _actions(outbound: OutboundMessage, csrf_token: str) -> str:
    buttons = []
    if outbound.status == Status.UNCERTAIN:
        buttons.append(("outbound_mark_sent", _("It arrived: record as sent"), ""))
        buttons.append(("outbound_resend", _("It did not arrive: send again"), "primary"))
    else:
        buttons.append(("outbound_resend", _("Send again"), "primary"))
    buttons.append(("outbound_acknowledge", _("Dealt with"), ""))
    token = f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf_token)}">'
    forms = [
        f'<form method="post" action="{reverse(name, args=[outbound.pk])}">{token}'
        f'<button type="submit" class="{css}">{escape(label)}</button></form>'
        for name, label, css in buttons
    ]
    return f'<div class="delivery-actions">{"".join(forms)}</div>'


def _when(value: object) -> str:
    if value is None:
        return "—"
    return str(formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT"))  # type: ignore[arg-type]
