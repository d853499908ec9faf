"""Bounces (RFC 3464 DSNs and the common non-standard MTA texts) and complaints (ARF, RFC 5965). Pure.

Each failed recipient becomes a ``Failure`` with RFC 3463 status, action, the remote diagnostic, the
SMTP reply code, a reason (the vocabulary of sisimai: userunknown, mailboxfull, hostunknown, ...) and
whether it is hard (the address itself is bad and should be suppressed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message

from helpdesk.mail.bounce_reasons import HARD_REASONS, classify_reason, is_hard, smtp_command
from helpdesk.mail.classify import Headers, first
from helpdesk.mail.mime import decode_bytes

__all__ = ["HARD_REASONS", "Failure"]


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
    r"mailerdaemon|mdaemon|bounce[sd]?@|^<?>?$|no-?reply@.*(?:bounce|ses)|microsoftexchange|post_?master",
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
    r"undeliverable\s+mail|returned\s+message|\bnotice\b.*\bfailure\b|failed\s+delivery|\bfailure\b|"
    r"\berrors?\b|\bnot\s+delivered\b|\bwarning\b",
    re.IGNORECASE,
)


def report_type(msg: Message) -> str:
    """``delivery-status`` / ``feedback-report`` / ... for multipart/report messages, else ""."""
    if msg.get_content_type() != "multipart/report":
        return ""
    return str(msg.get_param("report-type", "") or "").lower()


_BOUNCE_BODY = re.compile(
    "|".join(
        [
            r"could not be delivered",
            r"couldn'?t be delivered",
            r"was not delivered",
            r"has not (?:yet )?been delivered",
            r"did not reach",
            r"delivery (?:has )?failed",
            r"delivery to the following",
            r"undeliverable",
            r"permanent(?:ly)? (?:error|fail)",
            r"following (?:address(?:es)?|recipients?)",
            r"user unknown",
            r"no such user",
            r"mailbox (?:is )?(?:full|unavailable)",
            r"unable to deliver",
            r"message (?:was )?(?:returned|rejected|bounced)",
            r"delivery status notification",
            r"mail delivery (?:failed|subsystem|system)",
            r"returned (?:mail|to sender)",
            r"failed permanently",
            r"could not deliver",
            r"delivery problem",
            r"not be delivered",
            r"delivery attempts? (?:will continue|failed)",
            r"nicht zugestellt",
            r"kunde inte levereras",
            r"n'a pas pu être remis",
            r"this is an automatically generated delivery",
        ]
    ),
    re.IGNORECASE,
)


def looks_like_bounce(msg: Message, headers: Headers, subject: str, body_text: str) -> bool:
    """Non-standard bounces: a mailer-daemon style sender or a null return path, and a failure subject
    or failure wording in the body."""
    if report_type(msg) == "delivery-status" or "x-failed-recipients" in headers:
        return True
    null_path = "return-path" in headers and first(headers, "return-path").strip() in {
        "<>",
        "",
        "<MAILER-DAEMON>",
    }
    by_sender = bool(_BOUNCE_FROM.search(first(headers, "from").replace(".", " ")))
    if not (by_sender or null_path):
        return False
    if _BOUNCE_SUBJECT.search(subject) or _has_dsn_part(msg):
        return True
    return bool(_BOUNCE_BODY.search(body_text[:6000]))


def _has_dsn_part(msg: Message) -> bool:
    return any(
        part.get_content_type() in {"message/delivery-status", "message/global-delivery-status"}
        for part in report_parts(msg)
    )


def report_parts(msg: Message, depth: int = 0) -> list[Message]:
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
                parts.extend(report_parts(sub, depth + 1))
    return parts


# ------------------------------------------------------------------------------------------ DSN fields


def part_text(part: Message, defects: list[str]) -> str:
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
            # Some MTAs leave out the blank line between recipients: a repeated recipient field
            # starts the next block.
            if last in {"final-recipient", "original-recipient"} and last in current:
                blocks.append(current)
                current = {}
            current[last] = f"{current[last]}, {value.strip()}" if last in current else value.strip()
    if current:
        blocks.append(current)
    return blocks


def address_of(value: str) -> str:
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


def dsn_failures(msg: Message, defects: list[str], body_text: str = "") -> list[Failure]:
    """Recipients of the machine-readable delivery-status parts (RFC 3464), failed and delayed ones.

    When the MIME structure is broken the DSN fields may sit in the body text; they are read there.
    """
    texts = [
        part_text(part, defects)
        for part in report_parts(msg)
        if part.get_content_type() in {"message/delivery-status", "message/global-delivery-status"}
    ]
    if not texts and "final-recipient:" in body_text.lower():
        texts = [body_text]
    return _dsn_blocks(texts, body_text)


def _dsn_blocks(texts: list[str], context: str) -> list[Failure]:
    failures: list[Failure] = []
    for text in texts:
        for block in field_blocks(text):
            address = address_of(block.get("final-recipient", "")) or address_of(
                block.get("original-recipient", "")
            )
            if not address:
                continue
            action = block.get("action", "").strip().lower().split(" ")[0]
            diagnostic = _diagnostic(block.get("diagnostic-code", ""))
            if not diagnostic and context:
                # Some MTAs (OpenSMTPD, Gmail) leave the server's words out of the DSN fields and put
                # them in the human-readable part only.
                diagnostic = _diagnostic_near(context[:20000], address)
            status = _status_in(block.get("status", "")) or _status_in(diagnostic)
            failures.append(
                _failure(address, status=status, action=action, diagnostic=diagnostic, context=context)
            )
    return _dedupe(failures)


def _diagnostic(value: str) -> str:
    """``smtp; 550 5.1.1 User unknown`` -> ``550 5.1.1 User unknown``."""
    kind, sep, rest = value.partition(";")
    text = rest if sep and len(kind) < 20 and " " not in kind.strip() else value
    return re.sub(r"\s+", " ", text).strip()


def _command_near(context: str, address: str, diagnostic: str) -> str:
    """The SMTP command the remote server refused ``address`` at: named in its diagnostic, else in
    the report's text around the address, else anywhere in it; only then a hint (a reply's form, a
    mention of RCPT) in the diagnostic or around the address."""
    near = ""
    if context:
        lines = context.split("\n")
        near = "\n".join(
            "\n".join(lines[max(0, i - 2) : i + 3]) for i, line in enumerate(lines) if address in line.lower()
        )
    for text in (diagnostic, near, context):
        command = smtp_command(text, hints=False)
        if command:
            return command
    return smtp_command(diagnostic) or smtp_command(near)


def _failure(address: str, *, status: str, action: str, diagnostic: str, context: str = "") -> Failure:
    reply_code = _reply_code_in(diagnostic)
    if not status:
        status = _status_in(diagnostic)
    # The remote server's own status (in its diagnostic) beats the reporting MTA's summary.
    detailed = _status_in(diagnostic)
    if detailed and detailed[0] == status[:1] and not detailed.endswith(".0.0"):
        status = detailed
    if not action:
        action = "delayed" if status.startswith("4") or reply_code.startswith("4") else "failed"
    reason = classify_reason(status, diagnostic, action, _command_near(context, address, diagnostic))
    return Failure(
        address=address,
        status=status,
        action=action,
        diagnostic=diagnostic[:2000],
        reply_code=reply_code,
        reason=reason,
        hard=is_hard(reason, status, action, reply_code),
    )


def _dedupe(failures: list[Failure]) -> list[Failure]:
    seen: dict[str, Failure] = {}
    for failure in failures:
        if failure.address not in seen or (failure.diagnostic and not seen[failure.address].diagnostic):
            seen[failure.address] = failure
    return list(seen.values())


# ------------------------------------------------------------------------------ non-standard texts

_ADDRESS = re.compile(r"<?([A-Za-z0-9._%+=/'!#$&*?^`{|}~-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})>?")
_ORIGINAL_START = re.compile(
    r"^(?:-{2,}.*(?:below this line|original message|copy of (?:the|your) message|returned message|"
    r"message headers follow|undelivered message|forwarded message).*|Content-Type: message/rfc822.*|"
    r"\s*-+\s*Original message.*|Return-Path: .*|Received: .*)$",
    re.IGNORECASE | re.MULTILINE,
)


_FLUFL_FIRST = True


def text_failures(msg: Message, text: str, headers: Headers) -> list[Failure]:
    """Failed recipients of a bounce without a usable DSN part, from its human-readable text."""
    human = text[: m.start()] if (m := _ORIGINAL_START.search(text)) else text
    human = human[:20000]
    candidates = [
        a.strip().strip("<>").lower()
        for v in headers.get("x-failed-recipients", [])
        for a in v.split(",")
        if "@" in a
    ]
    own = {a.lower() for a in _ADDRESS.findall(" ".join(headers.get("from", []) + headers.get("to", [])))}
    # Our own reading first: it is fast and knows where the diagnostic is. Mailman's detectors know
    # formats we do not, at about a millisecond per message.
    if not candidates:
        candidates = _addresses_in_text(human, own)
    if not candidates:
        candidates = _addresses_from_flufl(msg)
    result = []
    for address in dict.fromkeys(candidates):
        diagnostic = _diagnostic_near(human, address)
        result.append(_failure(address, status="", action="", diagnostic=diagnostic, context=human))
    return result


_NOT_RECIPIENT_LINE = re.compile(
    r"mail\s*from|envelope-from|^\s*(?:from|sender|reply-to|return-path|cc|message-id)\s*:|message-id|"
    r"\bsent\s+by\b",
    re.IGNORECASE,
)
_RECIPIENT_LINE = re.compile(r"rcpt\s+to|recipient|final-recipient|^\s*to\s*:", re.IGNORECASE)
_ERROR_NEAR = re.compile(
    r"\b[45]\d\d\b|\b[45]\.\d{1,3}\.\d{1,3}\b|unknown|not found|no such|invalid|rejected|refused|"
    r"failed|full|quota|does not exist|disabled|error|denied|expired|unavailable|undeliver|not listed",
    re.IGNORECASE,
)


def _addresses_in_text(human: str, own: set[str]) -> list[str]:
    """Addresses the text reports as failed: in RCPT/recipient lines or next to an error, not senders."""
    weights: dict[str, int] = {}
    lines = human.split("\n")
    for i, line in enumerate(lines):
        if "@" not in line:
            continue
        for found in _ADDRESS.findall(line):
            address = found.lower()
            if _NOT_RECIPIENT_LINE.search(line) or address in own:
                weight = 0
            elif _RECIPIENT_LINE.search(line):
                weight = 3
            elif _ERROR_NEAR.search(" ".join(lines[i : i + 3])):
                weight = 2
            else:
                weight = 1
            weights[address] = max(weights.get(address, 0), weight)
    # Addresses on recipient lines or next to an error; only without any, every other address.
    floor = 2 if any(w >= 2 for w in weights.values()) else 1
    return [a for a, w in weights.items() if w >= floor]


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


def _error_score(text: str) -> int:
    return len(_ERROR_NEAR.findall(text)) + 3 * bool(_REPLY_CODE.search(text) or _STATUS.search(text))


_HEADER_COPY_LINE = re.compile(r"^\s*(?:to|subject|sent|date|from|cc)\s*:", re.IGNORECASE)


def _diagnostic_near(text: str, address: str) -> str:
    """The remote server's words about ``address``: the lines after each mention, the one that says most.

    Blank lines after an intro ("because:", "for the following reason:") are skipped; a copy of the
    original headers ("To: ...", "Subject: ...") or the next recipient ends the chunk.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    best, best_score, above = "", -1, ""
    for i, line in enumerate(lines):
        if address not in line.lower() or _HEADER_COPY_LINE.match(line):
            continue
        chunk = [line]
        blank = 0
        for follow in lines[i + 1 : i + 10]:
            if not follow.strip():
                blank += 1
                intro = chunk[-1].rstrip().endswith(":")
                if blank > 1 or (not intro and len(chunk) > 1):
                    break
                continue
            blank = 0
            if _HEADER_COPY_LINE.match(follow) or (_ADDRESS.search(follow) and address not in follow.lower()):
                break
            chunk.append(follow)
        joined = re.sub(r"\s+", " ", " ".join(chunk)).strip()
        score = _error_score(joined)
        if not above:
            above = " ".join(line.strip() for line in lines[max(0, i - 2) : i] if line.strip())
        if score > best_score:
            best, best_score = joined, score
    if best_score > 0:
        return best[:1000]
    codes = [line for line in lines if _STATUS.search(line) or _REPLY_CODE.search(line)]
    if not codes and _error_score(above) > 0:
        # Some MTAs (Lotus Notes) write the reason on the line above the address.
        return f"{above} {best}".strip()[:1000]
    if not codes:
        # The address is only in a copy of the original's headers: the report's error lines speak
        # for it ("Error: No valid recipients for this MM").
        codes = [line for line in lines if re.match(r"\s*(?:error|reason)\s*:", line, re.IGNORECASE)]
    fallback = re.sub(r"\s+", " ", " ".join(codes[:3])).strip()
    return (fallback or best)[:1000]


# ----------------------------------------------------------------------------------- Amazon SES JSON


_SES_RECIPIENT = re.compile(r'\{[^{}]*"emailAddress"\s*:\s*"([^"]+)"[^{}]*\}')


def _ses_json(text: str) -> str:
    """An SES notification's JSON as one line: the mail's line wrapping undone, and the quotes of the
    escaped string SNS wraps it in unescaped."""
    compact = re.sub(r"!?\r?\n ?", "", text)
    if '\\"notificationType' in compact or '\\"bounceType' in compact:
        compact = compact.replace('\\"', '"')
    return compact


def ses_failures(text: str) -> list[Failure]:
    """Amazon SES bounce notifications delivered as JSON (SNS to email), whole or line-wrapped."""
    if "bounceType" not in text:
        return []
    compact = _ses_json(text)
    permanent = '"bounceType":"Permanent"' in compact.replace(" ", "")
    failures = []
    for match in _SES_RECIPIENT.finditer(compact):
        fields = dict(re.findall(r'"(\w+)"\s*:\s*"((?:[^"\\]|\\.)*)"', match.group(0)))
        address = fields.get("emailAddress", "").strip().strip("<>").lower()
        if "@" not in address:
            continue
        diagnostic = _diagnostic(fields.get("diagnosticCode", ""))
        status = _status_in(fields.get("status", "")) or _status_in(diagnostic)
        failure = _failure(
            address, status=status, action=fields.get("action", "").lower(), diagnostic=diagnostic
        )
        if not permanent and failure.hard:
            failure = Failure(**{**failure.__dict__, "hard": False})
        failures.append(failure)
    return _dedupe(failures)


_SES_COMPLAINT = re.compile(r'"notificationType"\s*:\s*"Complaint"')
_SES_FEEDBACK_TYPE = re.compile(r'"complaintFeedbackType"\s*:\s*"([\w-]+)"')


def ses_complaints(text: str) -> list[Failure]:
    """Amazon SES complaint notifications delivered as JSON (SNS to email): each complained recipient,
    with the feedback type the mailbox provider gave (``abuse`` when it gave none, as for ARF)."""
    if "complainedRecipients" not in text:  # read for every mail: a person's "complaint" costs nothing
        return []
    compact = _ses_json(text)
    if not _SES_COMPLAINT.search(compact):
        return []
    # Only the complaint's own recipients: the copied mail's headers that follow hold addresses too.
    start = compact.find('"complainedRecipients"')
    end = compact.find("]", start)
    if start < 0 or end < 0:
        return []
    feedback_type = _SES_FEEDBACK_TYPE.search(compact)
    kind = feedback_type.group(1).lower() if feedback_type else "abuse"
    addresses = [
        address
        for match in _SES_RECIPIENT.finditer(compact[start:end])
        if "@" in (address := match.group(1).strip().strip("<>").lower())
    ]
    return [
        Failure(address=address, action="failed", reason="feedback", feedback_type=kind)
        for address in dict.fromkeys(addresses)
    ]
