"""The pre-send gate: the one check every message passes right before it is handed to a transport.

Per recipient: the suppression list (the exact address, or its whole domain, for every stream or for the
message's stream: an unsubscribe from notices never blocks a reply the customer asked for), a valid
address (email-validator, offline), and for bulk mail no disposable domain. A blocked Cc or Bcc is
dropped from the message; when every To recipient is blocked the message is not sent at all and keeps
the reason. Consent for bulk mail joins here with the notices.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from disposable_email_domains import blocklist as DISPOSABLE_DOMAINS
from django.db.models import Q
from email_validator import EmailNotValidError, validate_email

from delivery.models import OutboundMessage, Suppression, address_keys


@dataclass(frozen=True)
class Blocked:
    address: str
    reason: str  # a Suppression.Reason value
    detail: str


@dataclass
class Decision:
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    blocked: list[Blocked] = field(default_factory=list)

    @property
    def stopped(self) -> Blocked | None:
        """Why the whole message stays here (no To recipient left), else None."""
        return self.blocked[0] if not self.to and self.blocked else None

    @property
    def recipients(self) -> list[str]:
        return list(dict.fromkeys([*self.to, *self.cc, *self.bcc]))


class Gate:
    """The gate for a batch of messages, with their recipients' suppressions read in one query."""

    def __init__(self, messages: Iterable[OutboundMessage]) -> None:
        addresses = {address.lower() for message in messages for address in message.recipients}
        domains = {address.rpartition("@")[2] for address in addresses}
        self._suppressions: list[Suppression] = list(
            Suppression.objects.active().filter(
                Q(address__in=address_keys(addresses)) | Q(domain__in=domains)
            )
            if addresses
            else []
        )

    def check(self, message: OutboundMessage) -> Decision:
        decision = Decision()
        for header in ("to", "cc", "bcc"):
            for address in getattr(message, f"{header}_addresses"):
                blocked = self._blocked(address, message.stream)
                if blocked is None:
                    getattr(decision, header).append(address)
                else:
                    decision.blocked.append(blocked)
        return decision

    def _blocked(self, address: str, stream: str) -> Blocked | None:
        normal = address.strip().lower()
        domain = normal.rpartition("@")[2]
        keys = address_keys([normal])
        for entry in self._suppressions:
            if entry.scope in ("", stream) and (entry.address in keys or entry.domain == domain):
                target = entry.address or f"*@{entry.domain}"
                return Blocked(address, entry.reason, f"{target}: {entry.get_reason_display()}")
        try:
            validate_email(address, check_deliverability=False, allow_smtputf8=True)
        except EmailNotValidError as exc:
            return Blocked(address, Suppression.Reason.INVALID, str(exc))
        if stream == OutboundMessage.Stream.BULK and domain in DISPOSABLE_DOMAINS:
            return Blocked(
                address, Suppression.Reason.DISPOSABLE, f"{domain} is a disposable-address service"
            )
        return None
