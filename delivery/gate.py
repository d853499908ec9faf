"""The pre-send gate: the one check every message passes right before it is handed to a transport.

Per recipient: the suppression list (the exact address, or its whole domain, for every stream or for the
message's stream: an unsubscribe from notices never blocks a reply the customer asked for), a valid
address (email-validator, offline), and for bulk mail no disposable domain and the contact's current
consent for the message's purpose (``helpdesk.consent``). A blocked Cc or Bcc is dropped from the
message; when every To recipient is blocked the message is not sent at all and keeps the reason.
Replies (transactional) never need consent, and an entry for one purpose of bulk mail (an unsubscribe
link) never stops them. Notices ask the same gate about their audience before anything is queued.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from disposable_email_domains import blocklist as DISPOSABLE_DOMAINS
from django.db.models import F, Q
from email_validator import EmailNotValidError, validate_email

from delivery.models import OutboundMessage, Suppression, address_keys
from helpdesk.bulk_sql import AnyOf
from helpdesk.consent import consented_addresses


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
    """The gate for a batch of messages (or a notice's audience), with the recipients' suppressions and,
    for bulk mail, their consent read in one query each."""

    def __init__(
        self,
        messages: Iterable[OutboundMessage] = (),
        *,
        addresses: Iterable[str] = (),
        purposes: Iterable[str] = (),
    ) -> None:
        batch = list(messages)
        everyone = {address.strip().lower() for address in addresses}
        everyone.update(address.strip().lower() for message in batch for address in message.recipients)
        domains = {address.rpartition("@")[2] for address in everyone}
        entries = (
            Suppression.objects.active().filter(
                Q(AnyOf(F("address"), sorted(address_keys(everyone))))
                | Q(AnyOf(F("domain"), sorted(domains)))
            )
            if everyone
            else []
        )
        self._by_address: dict[str, list[Suppression]] = defaultdict(list)
        self._by_domain: dict[str, list[Suppression]] = defaultdict(list)
        for entry in entries:
            if entry.address:
                self._by_address[entry.address].append(entry)
            else:
                self._by_domain[entry.domain].append(entry)
        bulk = [message for message in batch if message.stream == OutboundMessage.Stream.BULK]
        wanted = {*purposes, *(message.purpose for message in bulk if message.purpose)}
        asking = everyone if purposes else {a.lower() for message in bulk for a in message.recipients}
        self._consented = consented_addresses(asking, purposes=wanted) if wanted else set()

    def check(self, message: OutboundMessage) -> Decision:
        decision = Decision()
        for header in ("to", "cc", "bcc"):
            for address in getattr(message, f"{header}_addresses"):
                blocked = self.blocked(address, stream=message.stream, purpose=message.purpose)
                if blocked is None:
                    getattr(decision, header).append(address)
                else:
                    decision.blocked.append(blocked)
        return decision

    def blocked(self, address: str, *, stream: str, purpose: str = "") -> Blocked | None:
        """Why ``address`` may not get a message of ``stream`` (and, for bulk, ``purpose``), or None.

        In this order: the suppression list, a valid address, for bulk mail no disposable domain and
        the contact's current consent for the purpose. Replies are never asked for consent."""
        normal = address.strip().lower()
        domain = normal.rpartition("@")[2]
        listed = [entry for key in address_keys([normal]) for entry in self._by_address.get(key, ())]
        for entry in [*listed, *self._by_domain.get(domain, ())]:
            if entry.stops(stream=stream, purpose=purpose):
                target = entry.address or f"*@{entry.domain}"
                return Blocked(address, entry.reason, f"{target}: {entry.get_reason_display()}")
        error = invalid(address)
        if error is not None:
            return Blocked(address, Suppression.Reason.INVALID, error)
        if stream != OutboundMessage.Stream.BULK:
            return None
        if domain in DISPOSABLE_DOMAINS:
            return Blocked(
                address, Suppression.Reason.DISPOSABLE, f"{domain} is a disposable-address service"
            )
        if not purpose:
            return Blocked(address, Suppression.Reason.NO_CONSENT, "a bulk message without a purpose")
        if (normal, purpose) not in self._consented:
            return Blocked(address, Suppression.Reason.NO_CONSENT, f"no current consent for {purpose}")
        return None


# An unquoted ASCII local part (RFC 5322 dot-atom) within RFC 5321's 64 characters.
_PLAIN_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")


def invalid(address: str) -> str | None:
    """Why email-validator refuses ``address`` (offline), or None when it takes it.

    Its domain checks (IDNA, character by character) are most of its cost, and an audience of
    thousands has few domains: an address whose local part is a plain dot-atom and whose domain
    email-validator already took (``_domain_taken``) is taken without asking again. Every other
    address, and every refusal, is email-validator's own answer for the whole address."""
    local, _at, domain = address.rpartition("@")
    if len(address) <= 254 and len(local) <= 64 and _PLAIN_LOCAL.fullmatch(local) and _domain_taken(domain):
        return None
    try:
        validate_email(address, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        return str(exc)
    return None


@functools.lru_cache(maxsize=4096)
def _domain_taken(domain: str) -> bool:
    try:
        validate_email(f"a@{domain}", check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        return False
    return True
