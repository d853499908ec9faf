"""Who really sent a mail: the receiving server's ``Authentication-Results`` (RFC 8601) and DMARC's
alignment rule (RFC 7489) over DKIM and SPF results. Pure: the DNS lookups and signature checks are
``helpdesk.ingest.sender_auth``'s; this module only reads headers and decides.

A sender is *authenticated* when DMARC passes: a DKIM signature or an SPF check passed for a domain
that is the From address's domain or shares its organisational domain (relaxed alignment; strict when
the domain's DMARC record says ``adkim=s`` / ``aspf=s``). Everything else (a failure, no signature, a
DNS error, no check at all) is not authenticated, and the review policy treats it so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import authres
from django.utils.translation import gettext
from publicsuffixlist import PublicSuffixList

# Verdicts, best first. Only PASS counts as authenticated.
PASS = "pass"
FAIL = "fail"  # a check failed, or the domain publishes DMARC and nothing aligned passed
NONE = "none"  # nothing to go by: no signature, no SPF, no DMARC record
TEMPERROR = "temperror"  # DNS could not answer; the same mail may pass later
UNCHECKED = "unchecked"  # not checked (checks switched off, or mail stored before they existed)
VERDICTS = (PASS, FAIL, NONE, TEMPERROR, UNCHECKED)

# Where a verdict comes from.
FROM_HEADER = "header"  # a trusted server's Authentication-Results
CHECKED = "checked"  # our own DKIM / SPF / DMARC checks
NOT_CHECKED = "unchecked"


@dataclass(frozen=True)
class MethodResult:
    """One DKIM signature's or the SPF check's result and the domain it speaks for."""

    method: str  # dkim, spf
    result: str  # pass, fail, neutral, none, temperror, permerror, softfail, policy
    domain: str


@dataclass(frozen=True)
class SenderAuth:
    """The verdict on one mail's sender, stored with its message (``Message.sender_auth``)."""

    verdict: str
    source: str
    from_domain: str = ""
    authserv_id: str = ""
    methods: tuple[MethodResult, ...] = ()
    dmarc_policy: str = ""  # the p= (or sp=) of the From domain's DMARC record, when known
    detail: str = ""

    @property
    def authenticated(self) -> bool:
        return self.verdict == PASS

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "source": self.source,
            "from_domain": self.from_domain,
            "authserv_id": self.authserv_id,
            "methods": [[m.method, m.result, m.domain] for m in self.methods],
            "dmarc_policy": self.dmarc_policy,
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> SenderAuth:
        """The stored form back; an empty or foreign value is ``unchecked``."""
        data = data or {}
        verdict = data.get("verdict")
        if verdict not in VERDICTS:
            return cls(UNCHECKED, NOT_CHECKED)
        methods = tuple(
            MethodResult(str(m[0]), str(m[1]), str(m[2]))
            for m in data.get("methods") or []
            if isinstance(m, list | tuple) and len(m) == 3
        )
        return cls(
            verdict=str(verdict),
            source=str(data.get("source", "")),
            from_domain=str(data.get("from_domain", "")),
            authserv_id=str(data.get("authserv_id", "")),
            methods=methods,
            dmarc_policy=str(data.get("dmarc_policy", "")),
            detail=str(data.get("detail", "")),
        )


@dataclass(frozen=True)
class DmarcRecord:
    """The tags of a ``_dmarc`` TXT record that decide alignment and policy."""

    policy: str = "none"
    subdomain_policy: str = ""
    strict_dkim: bool = False
    strict_spf: bool = False
    tags: dict[str, str] = field(default_factory=dict)

    def policy_for(self, from_domain: str) -> str:
        """``p=``, or ``sp=`` when the record is the organisational domain's and the mail's is below it."""
        if self.subdomain_policy and from_domain != organisational_domain(from_domain):
            return self.subdomain_policy
        return self.policy


def parse_dmarc_record(text: str) -> DmarcRecord | None:
    """A DMARC record (``v=DMARC1; p=reject; ...``), or None when the text is not one."""
    tags: dict[str, str] = {}
    for part in text.split(";"):
        name, sep, value = part.partition("=")
        if sep:
            tags[name.strip().lower()] = value.strip()
    if tags.get("v", "").upper() != "DMARC1" or not text.strip().upper().startswith("V=DMARC1"):
        return None
    policy = tags.get("p", "").lower()
    if policy not in {"none", "quarantine", "reject"}:
        # RFC 7489 6.6.3: a record without a valid p= still counts when it has rua; treat it as none.
        policy = "none"
    subdomain = tags.get("sp", "").lower()
    return DmarcRecord(
        policy=policy,
        subdomain_policy=subdomain if subdomain in {"none", "quarantine", "reject"} else "",
        strict_dkim=tags.get("adkim", "r").lower() == "s",
        strict_spf=tags.get("aspf", "r").lower() == "s",
        tags=tags,
    )


@cache
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()  # the list shipped with the package: no network


def organisational_domain(domain: str) -> str:
    """The registrable domain (``mail.kund.co.uk`` -> ``kund.co.uk``); the domain itself if unknown."""
    domain = domain.strip().strip(".").lower()
    return _suffixes().privatesuffix(domain) or domain


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().strip(">").strip(".").lower() if "@" in address else ""


def aligned(domain: str, from_domain: str, *, strict: bool = False) -> bool:
    domain, from_domain = domain.strip(".").lower(), from_domain.strip(".").lower()
    if not domain or not from_domain:
        return False
    if strict:
        return domain == from_domain
    return organisational_domain(domain) == organisational_domain(from_domain)


def evaluate(
    *,
    from_domain: str,
    methods: Sequence[MethodResult],
    record: DmarcRecord | None,
    source: str,
    dmarc_temperror: bool = False,
    authserv_id: str = "",
) -> SenderAuth:
    """DMARC's verdict over ``methods`` for mail from ``from_domain`` (RFC 7489 section 4.2).

    Without a DMARC record an aligned pass still authenticates (the domain owner signed or listed
    the sender); a failure without a record is only ``fail`` when a check itself failed.
    """
    policy = record.policy_for(from_domain) if record else ""
    common = {"source": source, "from_domain": from_domain, "authserv_id": authserv_id}
    if not from_domain:
        return SenderAuth(FAIL, methods=tuple(methods), detail="no From domain", **common)
    strict = {"dkim": record.strict_dkim if record else False, "spf": record.strict_spf if record else False}
    for method in methods:
        if method.result == PASS and aligned(
            method.domain, from_domain, strict=strict.get(method.method, False)
        ):
            return SenderAuth(
                PASS, methods=tuple(methods), dmarc_policy=policy, detail=method.method, **common
            )
    own_failed = any(
        method.result in {"fail", "permerror", "softfail"} and aligned(method.domain, from_domain)
        for method in methods
    )
    if dmarc_temperror or any(method.result == TEMPERROR for method in methods):
        verdict = TEMPERROR
    elif record is not None or own_failed:
        # With a record, a pass for an unaligned domain (an attacker's own signature) fails DMARC.
        verdict = FAIL
    else:
        verdict = NONE
    return SenderAuth(verdict, methods=tuple(methods), dmarc_policy=policy, **common)


def describe(auth: SenderAuth) -> str:
    """A short phrase for the operator: what the verdict rests on."""
    where = auth.authserv_id or ""
    if auth.verdict == PASS:
        if auth.detail == "dmarc" and where:
            return gettext("DMARC pass reported by %(server)s") % {"server": where}
        method = next(
            (m for m in auth.methods if m.result == PASS and aligned(m.domain, auth.from_domain)), None
        )
        if method is not None:
            return gettext("%(method)s pass for %(domain)s") % {
                "method": method.method.upper(),
                "domain": method.domain,
            }
        return gettext("authenticated")
    if auth.verdict == FAIL:
        if auth.detail == "several From headers":
            return gettext("the mail has several From headers")
        return gettext("DMARC fails for %(domain)s") % {"domain": auth.from_domain or "?"}
    if auth.verdict == NONE:
        return gettext("%(domain)s has no DMARC record and the mail no signature of its own") % {
            "domain": auth.from_domain or "?"
        }
    if auth.verdict == TEMPERROR:
        return gettext("DNS did not answer when the mail arrived")
    return gettext("not checked")


# -- Authentication-Results --------------------------------------------------------------------------
def from_authentication_results(
    headers: Iterable[tuple[str, str]], *, trusted_ids: Iterable[str], from_address: str
) -> SenderAuth | None:
    """The verdict of the topmost ``Authentication-Results`` header a trusted server wrote, or None.

    Only headers whose authserv-id is one of ``trusted_ids`` count: anyone can write the header, and
    RFC 8601 section 5 has the receiving server remove copies that claim its own id, so the first one
    with that id (the newest, at the top) is the receiving server's.
    """
    trusted = {value.strip().lower() for value in trusted_ids if value.strip()}
    if not trusted:
        return None
    for name, value in headers:
        if name.lower() != "authentication-results":
            continue
        header = _parse(value)
        if header is None or str(header.authserv_id).lower() not in trusted:
            continue
        return _verdict_of(header, from_address)
    return None


def _parse(value: str) -> Any:
    try:
        return authres.AuthenticationResultsHeader.parse_value(" ".join(value.split()))
    except Exception:  # authres raises its own syntax errors and, on junk, anything else
        return None


def _verdict_of(header: Any, from_address: str) -> SenderAuth:
    from_domain = domain_of(from_address)
    authserv_id = str(header.authserv_id)
    methods: list[MethodResult] = []
    dmarc = ""
    for result in header.results:
        method, outcome = str(result.method).lower(), str(result.result).lower()
        if method == "dmarc":
            dmarc = dmarc or outcome
        elif method in {"dkim", "spf"}:
            methods.append(MethodResult(method, outcome, _domain_property(method, result)))
    if dmarc in {PASS, FAIL, TEMPERROR}:
        # The server applied DMARC itself (and saw the From header and the envelope we cannot).
        verdict = dmarc
        return SenderAuth(
            verdict,
            FROM_HEADER,
            from_domain=from_domain,
            authserv_id=authserv_id,
            methods=tuple(methods),
            detail="dmarc",
        )
    return evaluate(
        from_domain=from_domain, methods=methods, record=None, source=FROM_HEADER, authserv_id=authserv_id
    )


def _domain_property(method: str, result: Any) -> str:
    """The domain a DKIM result (header.d, else header.i) or an SPF result (smtp.mailfrom, else
    smtp.helo) speaks for."""
    wanted = (
        [("header", "d"), ("header", "i")] if method == "dkim" else [("smtp", "mailfrom"), ("smtp", "helo")]
    )
    values = {(str(p.type).lower(), str(p.name).lower()): str(p.value) for p in result.properties}
    for key in wanted:
        value = values.get(key, "")
        if value:
            return domain_of(value) if "@" in value else value.strip(".").lower()
    return ""
