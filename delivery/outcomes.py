"""What one delivery attempt's outcome writes: the attempt, the message's new state, the audit event,
the suppressions a refusal earns and the ticket's state. Shared by the sending worker and recovery."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from delivery import retry
from delivery.gate import Decision
from delivery.models import DeliveryAttempt, OutboundMessage
from delivery.services import suppress_address
from delivery.transports import SendResult, TransportError
from helpdesk import tickets
from helpdesk.audit import audit

Status = OutboundMessage.Status
Outcome = DeliveryAttempt.Outcome


def finish(
    outbound: OutboundMessage,
    attempt: DeliveryAttempt,
    outcome: str,
    *,
    now: dt.datetime,
    error: TransportError | None = None,
    sent: SendResult | None = None,
    decision: Decision | None = None,
) -> Callable[[], None]:
    """One attempt's outcome: the message in memory now, and the writes (the attempt, the message, the
    audit event, suppressions, the ticket) returned for the caller to run in its transaction."""
    refused = (sent.refused if sent else error.refused if error else {}) or {}
    blocked = decision.blocked if decision else []
    attempt.stage = DeliveryAttempt.Stage.DONE
    attempt.outcome = outcome
    attempt.finished_at = now
    attempt.smtp_code = sent.code if sent else error.code if error else None
    attempt.enhanced_status = (sent.enhanced if sent else error.enhanced if error else "")[:16]
    attempt.response = (sent.text if sent else error.text if error else "")[:2000]
    attempt.recipients = {
        **{
            address: {"refused": f"{code} {text}".strip(), "status": enhanced}
            for address, (code, enhanced, text) in refused.items()
        },
        **{item.address: {"blocked": item.reason, "detail": item.detail} for item in blocked},
    }
    status = Status(outcome)  # every outcome names the status it leaves the message in
    fields: dict[str, Any] = {
        "status": status,
        "attempts": attempt.number,
        "lease_until": None,
        "claimed_by": "",
        "updated_at": now,
        "transport": attempt.transport or outbound.transport,
        "last_error": ""
        if outcome == Outcome.SENT and not refused
        else _last_error(outcome, attempt, blocked),
        "next_attempt_at": retry.next_attempt_at(attempt.number, now)
        if outcome == Outcome.DEFERRED
        else None,
    }
    if outcome == Outcome.SENT:
        fields["sent_at"] = now
        fields["esp_message_id"] = (sent.esp_message_id if sent else "")[:255]
    for name, value in fields.items():
        setattr(outbound, name, value)

    def writes() -> None:
        attempt.save()
        OutboundMessage.objects.filter(pk=outbound.pk).update(**fields)
        audit(
            action=f"outbound.{status}",
            obj=outbound,
            system="delivery",
            data={
                "attempt": attempt.number,
                "transport": attempt.transport,
                "code": attempt.smtp_code,
                "status": attempt.enhanced_status,
                "response": attempt.response[:300],
                "next_attempt_at": fields["next_attempt_at"],
                "blocked": [item.address for item in blocked],
            },
        )
        _suppress_refused(outbound, refused, error if outcome == Outcome.FAILED else None)
        _ticket_effects(outbound, outcome, now)

    return writes


def _last_error(outcome: str, attempt: DeliveryAttempt, blocked: list[Any]) -> str:
    if outcome == Outcome.SUPPRESSED and blocked:
        return "; ".join(f"{item.address}: {item.detail}" for item in blocked)[:2000]
    parts = [attempt.response] + [
        f"{address}: {info.get('refused') or info.get('detail')}"
        for address, info in attempt.recipients.items()
    ]
    return "; ".join(part for part in parts if part)[:2000]


def _suppress_refused(
    outbound: OutboundMessage, refused: dict[str, tuple[int, str, str]], error: TransportError | None
) -> None:
    """A permanent refusal that condemns an address puts it on the suppression list."""
    condemned = {address: (*answer, "RCPT") for address, answer in refused.items()}
    if error is not None and not refused and error.kind == "permanent":
        for address in outbound.to_addresses[:1]:
            condemned[address] = (error.code or 550, error.enhanced, error.text, "")
    for address, (code, enhanced, text, command) in condemned.items():
        reason = retry.bad_address_reason(code, enhanced, text, command=command)
        if not reason:
            continue
        suppress_address(
            address=address,
            reason=reason,
            note=f"{code} {text}"[:1000],
            source="send",
            actor=None,
            outbound=outbound,
        )


def _ticket_effects(outbound: OutboundMessage, outcome: str, now: dt.datetime) -> None:
    if outbound.stream == OutboundMessage.Stream.BULK:
        # A notice is no answer to a question (no first response time), and one that did not go out
        # shows on its notice, not as a ticket someone must answer.
        return
    if outcome == Outcome.SENT and outbound.answers_customer:
        tickets.record_first_response(ticket=outbound.ticket, at=now)
    elif outcome in (Outcome.FAILED, Outcome.SUPPRESSED, Outcome.UNCERTAIN):
        tickets.reopen_for_delivery_problem(
            ticket=outbound.ticket, outbound_id=outbound.pk, problem=str(outcome)
        )
