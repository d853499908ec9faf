"""Bounces (RFC 3464 DSNs and the common non-standard MTA texts) and complaints (ARF, RFC 5965). Pure.

Each failed recipient becomes a ``Failure`` with RFC 3463 status, action, the remote diagnostic, the
SMTP reply code, a reason (the vocabulary of sisimai: userunknown, mailboxfull, hostunknown, ...) and
whether it is hard (the address itself is bad and should be suppressed).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from email.message import Message

from helpdesk.classify import Headers, first
from helpdesk.mime import decode_bytes

HARD_REASONS = frozenset({"userunknown", "hostunknown", "hasmoved", "notaccept"})


@dataclass(frozen=True)
class Failure:
    address: str
    status: str = ""
    action: str = ""
    diagnostic: str = ""
    reply_code: str = ""
    reason: str = ""
    hard: bool = False
    feedback_type: str = ""


_BOUNCE_FROM = re.compile(
    r"mailer-daemon|postmaster|mail\s*delivery\s*(?:subsystem|system|service)|mail\s*administrator|"
    r"mailerdaemon|mdaemon|bounce[sd]?@|^<?>?$|no-?reply@.*(?:bounce|ses)|microsoftexchange",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered|delivery\s+(?:status\s+notification|failure|failed|has\s+failed|report|"
    r"notification|problem)|returned\s+mail|return(?:ed)?\s+to\s+sender|mail\s+delivery\s+failed|"
    r"failure\s+notice|could\s+not\s+be\s+delivered|non[\s-]?delivery|nicht\s+zustellbar|unzustellbar|"
    r"olevererbar|kunde\s+inte\s+levereras|non\s+remis|rapport\s+de\s+non-remise|mail\s+system\s+error|"
    r"delivery\s+notification|message\s+not\s+delivered|warning:\s+could\s+not\s+send|"
    r"mail\s+could\s+not\s+be\s+delivered|rejected|bounce|nondeliverable|delayed\s+mail|"
    r"message\s+delayed|delivery\s+delayed|error\s+sending\s+message|permanent\s+error|"
    r"undeliverable\s+mail|returned\s+message|\bnotice\b.*\bfailure\b|failed\s+delivery",
    re.IGNORECASE,
)


def report_type(msg: Message) -> str:
    """``delivery-status`` / ``feedback-report`` / ... for multipart/report messages, else ""."""
    if msg.get_content_type() != "multipart/report":
        return ""
    return str(msg.get_param("report-type", "") or "").lower()


def looks_like_bounce(msg: Message, headers: Headers, subject: str, from_address: str) -> bool:
    """Non-standard bounces: a mailer-daemon style sender or a null return path plus a failure subject."""
    if report_type(msg) == "delivery-status":
        return True
    sender = from_address or first(headers, "from")
    null_path = first(headers, "return-path").strip() in {"<>", ""} and "return-path" in headers
    by_sender = bool(_BOUNCE_FROM.search(sender))
    by_subject = bool(_BOUNCE_SUBJECT.search(subject))
    if by_subject and (by_sender or null_path):
        return True
    return "x-failed-recipients" in headers or (by_sender and _has_dsn_part(msg))


def _has_dsn_part(msg: Message) -> bool:
    return any(
        part.get_content_type() in {"message/delivery-status", "message/global-delivery-status"}
        for part in _walk(msg)
    )


def _walk(msg: Message, depth: int = 0) -> list[Message]:
    """Parts of ``msg`` without descending into attached messages (their bounces are not ours)."""
    parts = [msg]
    if depth > 20 or not msg.is_multipart():
        return parts
    payload = msg.get_payload()
    if msg.get_content_type() in {"message/rfc822", "text/rfc822-headers"}:
        return parts
    if isinstance(payload, list):
        for sub in payload:
            if isinstance(sub, Message):
                parts.extend(_walk(sub, depth + 1))
    return parts


# ------------------------------------------------------------------------------------------ DSN fields


def _part_text(part: Message, defects: list[str]) -> str:
    """Text of a leaf part or of a message/* part whose payload compat32 parsed into messages."""
    payload = part.get_payload()
    if isinstance(payload, list):
        blocks = []
        for sub in payload:
            if isinstance(sub, Message):
                blocks.append("\n".join(f"{k}: {v}" for k, v in sub.raw_items()))
        return "\n\n".join(blocks)
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return str(payload)
    return decode_bytes(data, part.get_content_charset(), defects, where="report")


def field_blocks(text: str) -> list[dict[str, str]]:
    """RFC 3464/5965 field blocks: ``Name: value`` lines, folded lines joined, blocks split by blank lines."""
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            if current:
                blocks.append(current)
            current, last = {}, ""
            continue
        if line[:1] in " \t" and last:
            current[last] += " " + line.strip()
            continue
        name, sep, value = line.partition(":")
        if sep and name and " " not in name.strip():
            last = name.strip().lower()
            current[last] = f"{current[last]}, {value.strip()}" if last in current else value.strip()
    if current:
        blocks.append(current)
    return blocks


def _address_of(value: str) -> str:
    """The address of a ``rfc822; user@example.com`` field value."""
    _, _, addr = value.rpartition(";")
    addr = addr.strip().strip("<>").strip()
    return addr.lower() if "@" in addr else ""


_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_REPLY_CODE = re.compile(r"(?<![\d.])([245]\d\d)(?=[\s\-]|$)(?![.\d])")


def _status_in(text: str) -> str:
    found = _STATUS.search(text)
    return ".".join(found.groups()) if found else ""


def _reply_code_in(text: str) -> str:
    for found in _REPLY_CODE.finditer(text):
        return found.group(1)
    return ""


def dsn_failures(msg: Message, defects: list[str]) -> list[Failure]:
    """Recipients of the machine-readable delivery-status parts (RFC 3464), failed and delayed ones."""
    failures: list[Failure] = []
    for part in _walk(msg):
        if part.get_content_type() not in {"message/delivery-status", "message/global-delivery-status"}:
            continue
        blocks = field_blocks(_part_text(part, defects))
        for block in blocks:
            address = _address_of(block.get("final-recipient", "")) or _address_of(
                block.get("original-recipient", "")
            )
            if not address:
                continue
            action = block.get("action", "").strip().lower().split(" ")[0]
            diagnostic = _diagnostic(block.get("diagnostic-code", ""))
            status = _status_in(block.get("status", "")) or _status_in(diagnostic)
            failures.append(_failure(address, status=status, action=action, diagnostic=diagnostic))
    return _dedupe(failures)


def _diagnostic(value: str) -> str:
    """``smtp; 550 5.1.1 User unknown`` -> ``550 5.1.1 User unknown``."""
    kind, sep, rest = value.partition(";")
    text = rest if sep and len(kind) < 20 and " " not in kind.strip() else value
    return re.sub(r"\s+", " ", text).strip()


def _failure(address: str, *, status: str, action: str, diagnostic: str) -> Failure:
    reply_code = _reply_code_in(diagnostic)
    if not status:
        status = _status_in(diagnostic)
    # A detailed status in the diagnostic beats the MTA's generic x.0.0 summary.
    detailed = _status_in(diagnostic)
    if status.endswith(".0.0") and detailed and detailed[0] == status[0] and not detailed.endswith(".0.0"):
        status = detailed
    if not action:
        action = "delayed" if status.startswith("4") or reply_code.startswith("4") else "failed"
    reason = classify_reason(status, diagnostic, action)
    return Failure(
        address=address,
        status=status,
        action=action,
        diagnostic=diagnostic[:2000],
        reply_code=reply_code,
        reason=reason,
        hard=reason in HARD_REASONS and action == "failed",
    )


def _dedupe(failures: list[Failure]) -> list[Failure]:
    seen: dict[str, Failure] = {}
    for failure in failures:
        if failure.address not in seen or (failure.diagnostic and not seen[failure.address].diagnostic):
            seen[failure.address] = failure
    return list(seen.values())


# ---------------------------------------------------------------------------------------- reasons

# Ordered: the first reason with a phrase found in the diagnostic wins; status codes decide otherwise.
_REASON_PHRASES: list[tuple[str, list[str]]] = [
    ("vacation", [r"out of (?:the )?office", r"on vacation", r"auto(?:matic)?[- ]?reply"]),
    ("virusdetected", [r"virus", r"malware", r"infected", r"trojan"]),
    (
        "spamdetected",
        [
            r"spam",
            r"\bUBE\b",
            r"junk mail",
            r"content (?:was )?(?:rejected|filtered)",
            r"bulk mail",
            r"suspicious",
            r"classified as",
        ],
    ),
    (
        "authfailure",
        [r"\bSPF\b", r"\bDKIM\b", r"\bDMARC\b", r"authenticat(?:e|ion) (?:fail|check)", r"5\.7\.2[3-7]"],
    ),
    (
        "requireptr",
        [
            r"reverse (?:dns|lookup)",
            r"\bPTR\b",
            r"rDNS",
            r"no (?:dns|hostname)",
            r"cannot find your hostname",
        ],
    ),
    (
        "mesgtoobig",
        [
            r"(?:message|mail) (?:is )?(?:too (?:big|large)|size exceeds)",
            r"exceeds (?:the )?(?:maximum|size)",
        ],
    ),
    (
        "mailboxfull",
        [
            r"mailbox (?:is )?full",
            r"over ?quota",
            r"quota exceeded",
            r"exceeded (?:storage|quota)",
            r"insufficient (?:system )?storage",
            r"mailbox (?:size|storage) limit",
            r"disk quota",
            r"full mailbox",
            r"user is over",
            r"account is full",
            r"mail ?box full",
            r"out of storage",
        ],
    ),
    (
        "suspend",
        [
            r"suspended",
            r"disabled",
            r"deactivated",
            r"inactive",
            r"account (?:has been )?(?:locked|closed|expired)",
            r"no longer (?:active|in use)",
            r"mailbox (?:is )?(?:disabled|inactive|unavailable|locked)",
        ],
    ),
    ("hasmoved", [r"has moved", r"moved to", r"address changed", r"\b5\.1\.6\b"]),
    (
        "userunknown",
        [
            r"user (?:unknown|not found|doesn'?t exist|does not exist)",
            r"unknown (?:user|recipient|local[- ]part|mailbox|address)",
            r"no such (?:user|mailbox|recipient|address|account)",
            r"(?:mailbox|recipient|user|address|account) (?:\S+ )?(?:not found|unavailable|does not exist|"
            r"doesn'?t exist|unknown|invalid|not exist)",
            r"invalid (?:recipient|mailbox|address|user)",
            r"recipient (?:address )?rejected",
            r"not a valid (?:recipient|mailbox|user)",
            r"addressee unknown",
            r"unrouteable address",
            r"does not have an? (?:account|mailbox)",
            r"no mailbox",
            r"mailbox not available",
            r"undeliverable address",
            r"bad destination mailbox",
            r"unknown or illegal alias",
            r"not our customer",
            r"no valid recipients",
            r"address (?:is )?not (?:valid|recognized|known)",
            r"recipient not found",
            r"user not listed",
        ],
    ),
    (
        "hostunknown",
        [
            r"host (?:or domain name )?not found",
            r"unknown host",
            r"domain (?:not found|does not exist|name not found)",
            r"name (?:or service )?not known",
            r"name service error",
            r"no (?:mx|route to host|such domain)",
            r"unrouteable (?:mail )?domain",
            r"dns (?:error|failure)",
            r"nxdomain",
            r"host unknown",
            r"domain (?:is )?invalid",
            r"unknown domain",
            r"mx (?:record )?(?:not found|lookup)",
        ],
    ),
    ("notaccept", [r"does not accept (?:e-?)?mail", r"null mx", r"not accepting (?:any )?mail"]),
    (
        "norelaying",
        [
            r"relay(?:ing)? (?:access )?(?:denied|not permitted|prohibited)",
            r"not permitted to relay",
            r"unable to relay",
        ],
    ),
    (
        "blocked",
        [
            r"block(?:ed|list)",
            r"black ?list",
            r"spamhaus",
            r"\bRBL\b",
            r"\bDNSBL\b",
            r"client host rejected",
            r"listed (?:at|in|on)",
            r"connection (?:refused|rejected)",
            r"access denied",
            r"ip (?:address )?(?:\S+ )?(?:rejected|banned)",
            r"reputation",
            r"banned",
            r"denied by policy",
            r"barracuda",
        ],
    ),
    ("toomanyconn", [r"too many (?:connections|recipients|messages)", r"connection limit"]),
    ("speeding", [r"rate limit", r"too fast", r"throttl"]),
    (
        "rejected",
        [r"sender (?:address )?(?:rejected|denied|verify failed)", r"domain of sender", r"sender domain"],
    ),
    (
        "filtered",
        [r"filter", r"not authorized", r"policy", r"refused", r"rejected", r"denied", r"prohibited"],
    ),
    (
        "expired",
        [
            r"expired",
            r"retry time(?:out)? (?:not reached|exceeded)",
            r"delivery time",
            r"timed? ?out",
            r"gave up",
            r"could not be delivered (?:within|for)",
            r"has been delayed",
            r"queue",
            r"too long",
        ],
    ),
    (
        "networkerror",
        [r"network", r"connection (?:timed out|lost|reset)", r"unreachable", r"lost connection"],
    ),
    (
        "systemerror",
        [r"system error", r"internal error", r"local error", r"temporary (?:failure|error)", r"server error"],
    ),
]
_REASON_TEXT = [(reason, re.compile("|".join(phrases), re.IGNORECASE)) for reason, phrases in _REASON_PHRASES]
_REASON_STATUS = {
    "5.1.1": "userunknown",
    "5.1.0": "userunknown",
    "5.1.3": "userunknown",
    "5.1.2": "hostunknown",
    "5.1.6": "hasmoved",
    "5.1.8": "rejected",
    "5.1.10": "notaccept",
    "5.2.1": "suspend",
    "5.2.2": "mailboxfull",
    "4.2.2": "mailboxfull",
    "5.2.3": "exceedlimit",
    "5.3.4": "mesgtoobig",
    "5.4.7": "expired",
    "4.4.7": "expired",
    "5.4.4": "hostunknown",
    "4.4.1": "networkerror",
    "4.4.2": "networkerror",
    "5.7.1": "blocked",
    "5.7.0": "securityerror",
    "5.6.0": "contenterror",
    "5.5.2": "syntaxerror",
    "5.3.0": "systemerror",
    "4.3.0": "systemerror",
}


def classify_reason(status: str, diagnostic: str, action: str = "failed") -> str:
    """A sisimai-style reason from the diagnostic text, then from the RFC 3463 status code."""
    if action == "delivered":
        return "delivered"
    for reason, pattern in _REASON_TEXT:
        if pattern.search(diagnostic):
            return reason
    if status in _REASON_STATUS:
        return _REASON_STATUS[status]
    if action == "delayed" or status.startswith("4"):
        return "expired"
    return "undefined" if status or diagnostic else ""


# ------------------------------------------------------------------------------ non-standard texts

_ADDRESS = re.compile(r"<?([A-Za-z0-9._%+=/'!#$&*?^`{|}~-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})>?")
_ORIGINAL_START = re.compile(
    r"^(?:-{2,}.*(?:below this line|original message|copy of the message|returned message|"
    r"message headers follow|undelivered message|forwarded message).*|Content-Type: message/rfc822.*|"
    r"\s*-+\s*Original message.*|Return-Path: .*|Received: .*)$",
    re.IGNORECASE | re.MULTILINE,
)


def text_failures(msg: Message, text: str, headers: Headers) -> list[Failure]:
    """Failed recipients of a bounce without a usable DSN part, from its human-readable text."""
    human = text[: m.start()] if (m := _ORIGINAL_START.search(text)) else text
    human = human[:20000]
    candidates = _addresses_from_flufl(msg)
    for value in headers.get("x-failed-recipients", []):
        candidates.extend(a.strip().lower() for a in value.split(",") if "@" in a)
    if not candidates:
        candidates = [a.lower() for a in _ADDRESS.findall(human)]
    own = {a.lower() for a in _ADDRESS.findall(first(headers, "from") + " " + first(headers, "to"))}
    result = []
    for address in dict.fromkeys(candidates):
        if address in own and len(candidates) > 1:
            continue
        diagnostic = _diagnostic_near(human, address)
        result.append(_failure(address, status="", action="", diagnostic=diagnostic))
    return result


def _addresses_from_flufl(msg: Message) -> list[str]:
    """Mailman's flufl.bounce detectors know dozens of MTA formats; use them to find the addresses."""
    try:
        from flufl.bounce import all_failures

        temporary, permanent = all_failures(msg)
    except Exception:  # third-party detectors over hostile input: a miss, never a crash
        return []
    found = []
    for raw in [*permanent, *temporary]:
        address = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        address = address.strip().strip("<>").lower()
        if "@" in address:
            found.append(address)
    return found


def _diagnostic_near(text: str, address: str) -> str:
    """The lines around ``address`` that carry an SMTP code or an error phrase."""
    lines = text.replace("\r\n", "\n").split("\n")
    lowered = [line.lower() for line in lines]
    for i, line in enumerate(lowered):
        if address in line:
            chunk = [lines[i]]
            for follow in lines[i + 1 : i + 6]:
                if not follow.strip() and len(chunk) > 1:
                    break
                chunk.append(follow)
            joined = re.sub(r"\s+", " ", " ".join(chunk)).strip()
            if _REPLY_CODE.search(joined) or _STATUS.search(joined) or len(chunk) > 1:
                return joined[:1000]
    codes = [line for line in lines if _STATUS.search(line) or _REPLY_CODE.search(line)]
    return re.sub(r"\s+", " ", " ".join(codes[:3])).strip()[:1000]


# ----------------------------------------------------------------------------------- Amazon SES JSON


def ses_failures(text: str) -> list[Failure]:
    """Amazon SES bounce notifications delivered as JSON (SNS to email)."""
    start = text.find("{")
    if start < 0 or '"notificationType"' not in text and '"eventType"' not in text:
        return []
    try:
        data = json.loads(text[start : text.rfind("}") + 1])
    except ValueError:
        return []
    if isinstance(data, dict) and isinstance(data.get("Message"), str):
        try:
            data = json.loads(data["Message"])
        except ValueError:
            return []
    bounce = data.get("bounce") if isinstance(data, dict) else None
    if not isinstance(bounce, dict):
        return []
    failures = []
    permanent = str(bounce.get("bounceType", "")).lower() == "permanent"
    for rcpt in bounce.get("bouncedRecipients", []) or []:
        if not isinstance(rcpt, dict) or "@" not in str(rcpt.get("emailAddress", "")):
            continue
        address = str(rcpt["emailAddress"]).strip().strip("<>").lower()
        diagnostic = _diagnostic(str(rcpt.get("diagnosticCode", "")))
        status = _status_in(str(rcpt.get("status", ""))) or _status_in(diagnostic)
        failure = _failure(
            address, status=status, action=str(rcpt.get("action", "")).lower(), diagnostic=diagnostic
        )
        if permanent and not failure.hard and failure.reason in HARD_REASONS:
            failure = Failure(**{**failure.__dict__, "hard": True})
        failures.append(failure)
    return failures


# ------------------------------------------------------------------------------------------------ ARF


def arf_complaints(msg: Message, defects: list[str]) -> list[Failure]:
    """The complained-about recipients of an ARF report (RFC 5965), with the feedback type."""
    feedback_type = ""
    addresses: list[str] = []
    for part in _walk(msg):
        if part.get_content_type() != "message/feedback-report":
            continue
        for block in field_blocks(_part_text(part, defects)):
            feedback_type = feedback_type or block.get("feedback-type", "").strip().lower()
            for name in ("original-rcpt-to", "removal-recipient"):
                if block.get(name):
                    addresses.extend(a for a in (_address_of(v) for v in block[name].split(",")) if a)
    if not addresses:
        addresses = _original_recipients(msg)
    return [
        Failure(address=a, action="failed", reason="feedback", feedback_type=feedback_type or "abuse")
        for a in dict.fromkeys(addresses)
    ] or [Failure(address="", action="failed", reason="feedback", feedback_type=feedback_type or "abuse")]


def _original_recipients(msg: Message) -> list[str]:
    """The To: of the reported message (attached as message/rfc822 or text/rfc822-headers)."""
    from email.utils import getaddresses

    for part in _walk(msg):
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, Message):
                return [a.lower() for _, a in getaddresses(inner.get_all("to", [])) if "@" in a]
        if ctype == "text/rfc822-headers":
            text = str(part.get_payload())
            to = re.search(r"^To:\s*(.+(?:\n[ \t].+)*)", text, re.MULTILINE | re.IGNORECASE)
            if to:
                return [a.lower() for _, a in getaddresses([to.group(1)]) if "@" in a]
    return []
