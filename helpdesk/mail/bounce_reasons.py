"""Why a delivery failed: a sisimai-style reason from the RFC 3463 status and the remote diagnostic. Pure.

Specific status codes (x.1.1 user unknown, x.2.2 mailbox full, ...) are authoritative; generic ones
(x.0.0, x.7.1, ...) say little, so the remote server's text decides, read from its reply code on.
"""

from __future__ import annotations

import re

# Ordered: the first reason with a phrase found in the diagnostic wins. Each entry: reason, phrases.
_REASON_PHRASES: list[tuple[str, list[str]]] = [
    ("vacation", [r"out of (?:the )?office", r"on vacation", r"auto(?:matic)?[- ]?reply"]),
    ("virusdetected", [r"virus", r"malware", r"infected", r"trojan"]),
    (
        "spamdetected",
        [
            r"spam(?!haus|cop)",
            r"\bUBE\b",
            r"junk mail",
            r"content (?:was )?(?:rejected|filtered)",
            r"bulk mail",
            r"suspicious",
            r"classified as",
        ],
    ),
    (
        "notcompliantrfc",
        [
            r"not RFC ?\d* ?compliant",
            r"multiple addresses in From",
            r"duplicate header",
            r"multiple \S+ headers",
            r"malformed header",
        ],
    ),
    (
        "policyviolation",
        [
            r"policy violation",
            r"denied by policy",
            r"for policy reasons",
            r"local policy",
            r"content presents a potential",
            r"header error",
            r"network not allowed",
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
            r"size limit",
            r"message size",
            r"too large",
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
            r"number of messages .{0,40}exceed",
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
            r"account (?:is |has been )?(?:blocked|suspended|disabled)",
            r"no longer (?:active|in use)",
            r"mailbox (?:is )?(?:disabled|inactive|locked)",
            r"temporar(?:y|ily) (?:locked|unavailable|disabled)",
        ],
    ),
    ("hasmoved", [r"has moved", r"moved to", r"address changed"]),
    (
        "userunknown",
        [
            r"user (?:unknown|not found|doesn'?t exist|does not exist|not exist)",
            r"recipient address rejected: access denied",
            r"recipient address rejected\.?\s*(?:\(|$)",
            r"requested action not taken: mailbox unavailable",
            r"unknown (?:user|recipient|local[- ]part|mailbox|address)",
            r"no such (?:user|mailbox|recipient|address|account)",
            r"(?:mailbox|recipient|user|address|account) (?:\S+ )?(?:not found|unavailable|does not exist|"
            r"doesn'?t exist|unknown|invalid|not exist)",
            r"invalid (?:recipient|mailbox|address|user)",
            r"not a valid (?:recipient|mailbox|user)",
            r"addressee unknown",
            r"does not have an? (?:account|mailbox)",
            r"doesn'?t have an? \S+ account",
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
            r"not listed in",
            r"name is not recognized",
            r"address couldn'?t be found",
            r"account that you tried to reach does not exist",
            r"check if (?:the )?address is correct",
            r"destinataire invalide",
        ],
    ),
    (
        "notaccept",
        [
            r"does not accept (?:e-?)?mail",
            r"null mx",
            r"not accepting (?:any )?mail",
            r"doesn'?t receive (?:e-?)?mail",
            r"does not receive (?:e-?)?mail",
            r"no mx record",
            r"couldn'?t find a mail exchanger",
        ],
    ),
    ("hostunknown", [r"domain is not reachable"]),
    # A DNS answer that may change (SERVFAIL, "try again") is a network problem, not an unknown host.
    (
        "networkerror",
        [
            r"try again",
            r"responded with code (?:SERVFAIL|NXDOMAIN|NOERROR)",
            r"no route to host",
            r"malformed or unexpected",
        ],
    ),
    (
        "hostunknown",
        [
            r"host (?:or domain name )?not found",
            r"dns lookup fail",
            r"unknown host",
            r"domain (?:not found|does not exist|name not found)",
            r"name (?:or service )?not known",
            r"name service error",
            r"no (?:mx|such domain)",
            r"unrouteable (?:mail )?(?:domain|address)",
            r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,} does not exist",
            r"dns (?:error|failure)",
            r"nxdomain",
            r"host unknown",
            r"domain (?:is )?invalid",
            r"unknown domain",
            r"mx (?:record )?(?:not found|lookup)",
        ],
    ),
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
            r"barracuda",
        ],
    ),
    (
        "securityerror",
        [r"not authori[sz]ed", r"authentication required", r"must authenticate", r"relay access denied"],
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
            r"will be retried",
            r"did not accept our requests",
            r"could not deliver for",
            r"delivery attempts will continue",
            r"all hosts have been failing",
            r"failed \d+ attempts",
            r"retry timeout",
        ],
    ),
    (
        "networkerror",
        [r"network", r"connection (?:timed out|lost|reset)", r"unreachable", r"lost connection"],
    ),
    (
        "systemerror",
        [
            r"system error",
            r"internal error",
            r"local error",
            r"temporary (?:failure|error)",
            r"server error",
            r"service (?:currently )?unavailable",
            r"transaction failed",
        ],
    ),
]
_REASON_TEXT = [(reason, re.compile("|".join(phrases), re.IGNORECASE)) for reason, phrases in _REASON_PHRASES]
_NETWORK_TEXT = next(pattern for reason, pattern in _REASON_TEXT if reason == "networkerror")
# RFC 3463 subject.detail codes that name the cause precisely (the class digit is ignored).
_SPECIFIC_STATUS = {
    "1.1": "userunknown",
    "1.2": "hostunknown",
    "1.3": "userunknown",
    "1.4": "userunknown",
    "1.6": "hasmoved",
    "1.7": "rejected",
    "1.8": "rejected",
    "1.10": "notaccept",
    "2.2": "mailboxfull",
    "2.3": "exceedlimit",
    "2.4": "systemerror",
    "3.1": "systemfull",
    "3.2": "notaccept",
    "3.4": "mesgtoobig",
    "3.5": "systemerror",
    "4.4": "hostunknown",
    "4.7": "expired",
    "5.3": "syntaxerror",
    "5.4": "syntaxerror",
    "5.5": "syntaxerror",
    "6.0": "contenterror",
    "6.1": "contenterror",
    "7.7": "securityerror",
    "7.9": "securityerror",
    "7.23": "authfailure",
    "7.24": "authfailure",
    "7.25": "requireptr",
    "7.26": "authfailure",
    "7.27": "notaccept",
}
# Generic codes: used only when the text names no cause.
_GENERIC_STATUS = {
    "1.0": "userunknown",
    "2.0": "filtered",
    "2.1": "suspend",
    "3.0": "systemerror",
    "4.0": "networkerror",
    "4.1": "networkerror",
    "4.2": "networkerror",
    "4.6": "networkerror",
    "5.0": "syntaxerror",
    "5.1": "syntaxerror",
    "5.2": "syntaxerror",
    "7.0": "securityerror",
    "7.1": "blocked",
}
# A content status (x.6.x) says little; the server's own verdict on the content says more.
_CONTENT_VERDICT = re.compile(r"spam|virus|malware|RFC ?\d* ?compliant", re.IGNORECASE)
_FROM_REPLY = re.compile(r"\b[245]\d\d[\s-]|\b[245]\.\d{1,3}\.\d{1,3}\b")
_ADDRESSES = re.compile(r"<?[^\s<>@]+@[^\s<>]+>?")


# Statuses that name a missing mailbox (x.1.0 other address status, x.1.1, x.1.3): the server's words
# may still name another cause, which then wins ("5.1.1 ... listed at spamhaus").
_USER_STATUS = frozenset({"1.0", "1.1", "1.3"})
_BEATS_USER_STATUS = frozenset(
    {"blocked", "mailboxfull", "hasmoved", "rejected", "notaccept", "norelaying", "toomanyconn", "speeding"}
)
# The SMTP command a refusal answered, as DSNs and MTA texts name it: "(in reply to RCPT TO command)",
# "after RCPT TO:<...>", ">>> DATA", "after end of data".
_COMMAND = re.compile(
    r"(?:in\s+reply\s+to|after|>>>|command:?)\s*(rcpt|mail\s+from|mail|data|end\s+of\s+data)\b",
    re.IGNORECASE,
)

# The reasons that say the address itself cannot receive mail (sisimai's hard bounces). notaccept (a
# null MX, a host that takes no mail) is hard only when permanent.
HARD_REASONS = frozenset({"userunknown", "hostunknown", "hasmoved"})


# Other ways MTAs say the refusal came at RCPT: qmail's "most progress was RCPT TO response",
# "did not like our RCPT TO", "SMTP:RCPT host ...", "[RCPT_TO]".
_RCPT_MENTION = re.compile(r"RCPT TO response|our RCPT TO|SMTP:RCPT\b|\[RCPT_TO\]|for RCPT TO\b")
# What only a recipient's own mail system says about a mailbox that does not exist, whatever the
# command: Exchange, Domino and Notes, Gmail, Yahoo, Orange, IMail, InterScan, Verizon's MMS gateway.
_MAILBOX_MISSING = re.compile(
    r"recipient name is not recognized|not listed in (?:the )?(?:Domino )?(?:public )?directory|"
    r"not listed in public name & address book|this user doesn'?t have an? \S+ account|"
    r"no valid recipients for this|check if (?:the )?address is correct|^\s*unknown user:|"
    r"destinataire invalide|"
    r"address couldn'?t be found|account that you tried to reach does not exist",
    re.IGNORECASE,
)


# The local delivery agent of the recipient's own host has no such mailbox (sendmail's mail.local,
# maildrop): whatever the MTA answered after it ("554 Service unavailable") only reports that.
_LOCAL_AGENT_UNKNOWN = re.compile(
    r"\b(?:mail\.local|maildrop|local delivery)\b[^:\n]{0,40}:\s*(?:unknown user|user unknown|no such user)",
    re.IGNORECASE,
)
# "550 <user@example.com>: ...": a reply that names one recipient the way Postfix's smtpd answers RCPT.
_RCPT_REPLY = re.compile(r"\b[45]\d\d[ -](?:[245]\.\d{1,3}\.\d{1,3} )?<[^<>@\s]+@[^<>\s]+>:")


def smtp_command(text: str, *, hints: bool = True) -> str:
    """``RCPT``, ``MAIL`` or ``DATA``: the command the server's refusal in ``text`` answered, else "".

    Without ``hints`` only an explicit naming counts ("in reply to RCPT TO command", ">>> DATA"), not
    a reply's form or a mention of RCPT."""
    found = _COMMAND.search(text)
    if found is None:
        return "RCPT" if hints and (_RCPT_MENTION.search(text) or _RCPT_REPLY.search(text)) else ""
    word = found.group(1).lower()
    return "MAIL" if word.startswith("mail") else "RCPT" if word == "rcpt" else "DATA"


def is_hard(reason: str, status: str, action: str = "failed", reply_code: str = "") -> bool:
    """Whether a failure with ``reason`` condemns the address (sisimai's hard/soft split).

    A delay is never hard; notaccept is hard unless its status or reply code is temporary (4xx)."""
    if action not in ("failed", ""):
        return False
    if reason in HARD_REASONS:
        return True
    if reason != "notaccept":
        return False
    return not (status or reply_code).startswith("4")


def condemns_address(reason: str, status: str, action: str = "failed", reply_code: str = "") -> bool:
    """The suppression policy shared by refusals at send time and bounces that come back: a hard
    failure (``is_hard``) suppresses the address at once, and so does a mailbox disabled for good
    (``suspend`` with a permanent status). Every other failure only counts towards the soft limit."""
    if is_hard(reason, status, action, reply_code):
        return True
    permanent = (status or reply_code).startswith("5")
    return reason == "suspend" and permanent and action in ("failed", "")


def is_specific_status(status: str) -> bool:
    """Whether an RFC 3463 code names its cause precisely (x.1.1, x.2.2, ...), unlike x.0.0 or x.7.1."""
    return status.partition(".")[2] in _SPECIFIC_STATUS


def classify_reason(status: str, diagnostic: str, action: str = "failed", command: str = "") -> str:
    """A sisimai-style reason: a specific status code, else the remote text, else a generic code.

    "User unknown" in the server's words condemns the address only when the status says so too, or
    when the server said it to ``RCPT`` (``command``, else read from the diagnostic): said to
    ``DATA`` or at an unknown point it is a content filter's wording (``filtered``), as sisimai reads it.
    """
    if action == "delivered":
        return "delivered"
    if _LOCAL_AGENT_UNKNOWN.search(diagnostic):
        return "userunknown"
    detail = status.partition(".")[2]
    # Read the remote server's words (from its reply code on) without addresses, which may contain
    # anything ("this-local-part-does-not-exist@...").
    reply = _FROM_REPLY.search(diagnostic)
    text = _ADDRESSES.sub(" ", diagnostic[reply.start() :] if reply else diagnostic)
    if detail in _USER_STATUS:
        other = next(
            (
                reason
                for reason, pattern in _REASON_TEXT
                if reason in _BEATS_USER_STATUS and pattern.search(text)
            ),
            "",
        )
        return other or "userunknown"
    if detail in _SPECIFIC_STATUS and not (detail.startswith("6.") and _CONTENT_VERDICT.search(diagnostic)):
        reason = _SPECIFIC_STATUS[detail]
        if reason == "hostunknown" and _NETWORK_TEXT.search(text):
            return "networkerror"
        return reason
    reason = _text_reason(text)
    if not reason and reply and reply.start() > 0:
        reason = _text_reason(_ADDRESSES.sub(" ", diagnostic[: reply.start()]))
    if (
        reason == "userunknown"
        and (command or smtp_command(diagnostic)) != "RCPT"
        and not _MAILBOX_MISSING.search(text)
    ):
        return "filtered"
    if reason:
        return reason
    if detail in _GENERIC_STATUS:
        return _GENERIC_STATUS[detail]
    if action == "delayed" or status.startswith("4"):
        return "expired"
    return "undefined" if status or diagnostic else ""


def _text_reason(text: str) -> str:
    for reason, pattern in _REASON_TEXT:
        if pattern.search(text):
            return reason
    return ""
