"""Sender authentication of inbound mail: the trusted receiving server's ``Authentication-Results``,
else our own checks: DKIM (dkimpy), SPF (pyspf, only when our own MTA's ``Received`` header names the
connecting address) and DMARC (the ``_dmarc`` record through dnspython). The decision itself is
``helpdesk.mail.sender_auth`` (pure).

``HELPDESK_SENDER_AUTH`` chooses: ``check`` (the default) reads the trusted header and checks itself
where there is none; ``header`` only reads the header; ``off`` checks nothing (every sender is then
unauthenticated, so drafts that show customer records need a supervisor). DNS goes to
``HELPDESK_DNS_RESOLVER`` when set (tests run a DNS server on 127.0.0.1), else the system's resolver.
Answers, and failures, are cached per ``Checker`` (one batch of mail), so a burst from one domain costs
one lookup of its key and record.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import threading
from collections.abc import Sequence
from typing import Any

import dkim
import dns.exception
import dns.nameserver
import dns.rdatatype
import dns.resolver
import spf
from django.conf import settings

from helpdesk.mail import sender_auth as rules
from helpdesk.mail.parsing import FEEDBACK_KINDS, ParsedEmail
from helpdesk.mail.sender_auth import MethodResult, SenderAuth

logger = logging.getLogger(__name__)

MAX_SIGNATURES = 5  # DKIM signatures checked per mail; more is a way to make us do DNS work


class DnsTrouble(Exception):
    """DNS did not answer (timeout, no server): a temporary error, never a verdict on the sender."""


def resolver() -> dns.resolver.Resolver:
    """A resolver for ``HELPDESK_DNS_RESOLVER`` (``host`` or ``host:port``, comma-separated), else the
    system's, with ``HELPDESK_DNS_TIMEOUT`` as each query's lifetime."""
    servers = settings.HELPDESK_DNS_RESOLVER
    result = dns.resolver.Resolver(configure=not servers)
    if servers:
        result.nameservers = [dns.nameserver.Do53Nameserver(host, port) for host, port in servers]
    result.lifetime = settings.HELPDESK_DNS_TIMEOUT
    result.timeout = settings.HELPDESK_DNS_TIMEOUT
    return result


class Lookups:
    """Cached DNS queries for one batch of mail."""

    def __init__(self, dns_resolver: dns.resolver.Resolver | None = None) -> None:
        self.resolver = dns_resolver or resolver()
        self.cache: dict[tuple[str, str], list[Any] | DnsTrouble] = {}

    def query(self, name: str, qtype: str) -> list[Any]:
        key = (name.lower().rstrip("."), qtype)
        cached = self.cache.get(key)
        if cached is None:
            try:
                answer = self.resolver.resolve(name, qtype, raise_on_no_answer=False, search=False)
                cached = list(answer) if answer.rrset is not None else []
            except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
                cached = []
            except (
                dns.exception.Timeout,
                dns.resolver.NoNameservers,
                dns.resolver.NoResolverConfiguration,
            ) as exc:
                cached = DnsTrouble(f"{name} {qtype}: {type(exc).__name__}")
            except dns.exception.DNSException as exc:  # malformed names, oversized answers
                cached = []
                logger.info("DNS %s %s: %s", name, qtype, exc)
            self.cache[key] = cached
        if isinstance(cached, DnsTrouble):
            raise cached
        return cached

    def txt(self, name: str) -> list[bytes]:
        return [b"".join(rdata.strings) for rdata in self.query(name, "TXT")]


class Checker:
    """Checks the senders of one batch of mail, sharing DNS answers between them."""

    def __init__(self, lookups: Lookups | None = None) -> None:
        self.mode = settings.HELPDESK_SENDER_AUTH
        self._lookups = lookups

    @property
    def lookups(self) -> Lookups:
        if self._lookups is None:
            self._lookups = Lookups()
        return self._lookups

    def check(self, raw: bytes, parsed: ParsedEmail) -> SenderAuth:
        """The verdict on ``parsed``'s sender (``raw`` is what DKIM signed). Never raises."""
        from_domain = rules.domain_of(parsed.from_address)
        if self.mode == "off":
            return SenderAuth(rules.UNCHECKED, rules.NOT_CHECKED, from_domain=from_domain)
        if sum(1 for name, _value in parsed.headers if name == "from") > 1:
            # RFC 7489 6.6.1: which of several authors would be authenticated is anyone's guess.
            return SenderAuth(
                rules.FAIL, rules.CHECKED, from_domain=from_domain, detail="several From headers"
            )
        header = rules.from_authentication_results(
            parsed.headers, trusted_ids=settings.HELPDESK_AUTHSERV_IDS, from_address=parsed.from_address
        )
        if header is not None or self.mode == "header":
            return header or SenderAuth(rules.UNCHECKED, rules.NOT_CHECKED, from_domain=from_domain)
        try:
            return self._check(raw, parsed, from_domain)
        except Exception:  # a library bug must never stop ingest; the sender is simply not authenticated
            logger.exception("sender authentication crashed")
            return SenderAuth(
                rules.TEMPERROR, rules.CHECKED, from_domain=from_domain, detail="internal error"
            )

    def _check(self, raw: bytes, parsed: ParsedEmail, from_domain: str) -> SenderAuth:
        methods = self._dkim(raw, parsed) + self._spf(parsed)
        record, trouble = None, False
        try:
            record = self._dmarc_record(from_domain)
        except DnsTrouble:
            trouble = True
        return rules.evaluate(
            from_domain=from_domain,
            methods=methods,
            record=record,
            source=rules.CHECKED,
            dmarc_temperror=trouble,
        )

    # -- DKIM --------------------------------------------------------------------------------------
    def _dkim(self, raw: bytes, parsed: ParsedEmail) -> list[MethodResult]:
        count = sum(1 for name, _value in parsed.headers if name == "dkim-signature")
        results = []
        for index in range(min(count, MAX_SIGNATURES)):
            trouble: list[DnsTrouble] = []

            def dnsfunc(name: bytes, timeout: float = 5, trouble: list[DnsTrouble] = trouble) -> bytes | None:
                try:
                    records = self.lookups.txt(name.decode("ascii", "replace"))
                except DnsTrouble as exc:
                    trouble.append(exc)
                    raise dkim.DnsTimeoutError(str(exc)) from None
                return records[0] if records else None

            verifier = dkim.DKIM(raw, logger=_quiet)
            try:
                ok = verifier.verify(idx=index, dnsfunc=dnsfunc)
            except dkim.DKIMException:
                ok = False
            domain = (verifier.domain or b"").decode("ascii", "replace").lower()
            result = "pass" if ok else ("temperror" if trouble else "fail")
            results.append(MethodResult("dkim", result, domain))
        return results

    # -- SPF ---------------------------------------------------------------------------------------
    def _spf(self, parsed: ParsedEmail) -> list[MethodResult]:
        """SPF for the connecting address our own MTA recorded; nothing when we cannot know it."""
        hop = trusted_hop(parsed.headers, settings.HELPDESK_MX_HOSTS)
        if hop is None:
            return []
        ip, helo = hop
        mail_from = _return_path(parsed.headers) or f"postmaster@{helo}"
        _active.lookups = self.lookups
        try:
            result, _explanation = spf.check2(
                i=ip, s=mail_from, h=helo, querytime=settings.HELPDESK_DNS_TIMEOUT * 4
            )
        except Exception as exc:  # pyspf raises on some malformed input
            logger.info("SPF check failed: %s", exc)
            result = "permerror"
        finally:
            _active.lookups = None
        domain = rules.domain_of(mail_from) or helo.lower()
        return [MethodResult("spf", str(result).lower(), domain)]

    # -- DMARC -------------------------------------------------------------------------------------
    def _dmarc_record(self, from_domain: str) -> rules.DmarcRecord | None:
        if not from_domain:
            return None
        for domain in dict.fromkeys([from_domain, rules.organisational_domain(from_domain)]):
            for text in self.lookups.txt(f"_dmarc.{domain}"):
                record = rules.parse_dmarc_record(text.decode("utf-8", "replace"))
                if record is not None:
                    return record
        return None


def check_senders(items: Sequence[tuple[int, bytes, ParsedEmail]]) -> dict[int, dict[str, Any]]:
    """Stored verdicts (``SenderAuth.as_dict``) for a batch of parsed mail (id, raw bytes, parsed);
    feedback reports are skipped."""
    checker = Checker()
    return {
        pk: checker.check(raw, parsed).as_dict()
        for pk, raw, parsed in items
        if parsed.kind not in FEEDBACK_KINDS
    }


# -- the connecting address, from our own MTA's Received header ----------------------------------------
_RECEIVED = re.compile(
    r"^\s*from\s+(?P<helo>\S+)\s+\((?P<comment>[^)]*)\)\s+by\s+(?P<by>[^\s;]+)", re.IGNORECASE | re.DOTALL
)
_BRACKETED = re.compile(r"\[(?:IPv6:)?([0-9A-Fa-f:.]+)\]")


def trusted_hop(headers: Sequence[tuple[str, str]], mx_hosts: Sequence[str]) -> tuple[str, str] | None:
    """(client IP, HELO name) from the topmost ``Received`` header when one of ``mx_hosts`` wrote it.

    Only our own MTA's header is believed: every header below it was written by someone else."""
    hosts = {host.lower().rstrip(".") for host in mx_hosts}
    if not hosts:
        return None
    for name, value in headers:
        if name != "received":
            continue
        match = _RECEIVED.match(" ".join(value.split()))
        if match is None or match["by"].lower().rstrip(".") not in hosts:
            return None
        address = _BRACKETED.search(match["comment"])
        if address is None:
            return None
        try:
            ip = ipaddress.ip_address(address.group(1))
        except ValueError:
            return None
        return str(ip), match["helo"]
    return None


def _return_path(headers: Sequence[tuple[str, str]]) -> str:
    for name, value in headers:
        if name == "return-path":
            return value.strip().strip("<>").strip()
    return ""


# pyspf looks names up through its module-level ``DNSLookup`` function (the hook its own tests use);
# it is pointed at the checker of the batch being checked (per thread: watch_mail runs one thread per
# mailbox), so SPF uses the same resolver and cache.
_active = threading.local()


def _spf_lookup(name: str, qtype: str, strict: bool = True, timeout: float = 30) -> list[Any]:
    lookups = getattr(_active, "lookups", None) or Lookups()
    try:
        rdatas = lookups.query(name, qtype)
    except DnsTrouble as exc:
        raise spf.TempError(f"DNS {exc}") from None
    answers: list[Any] = []
    for rdata in rdatas:
        if qtype in {"A", "AAAA"}:
            answers.append(((name, qtype), rdata.address))
        elif qtype == "MX":
            answers.append(((name, qtype), (rdata.preference, rdata.exchange)))
        elif qtype == "PTR":
            answers.append(((name, qtype), rdata.target.to_text(True)))
        elif qtype in {"TXT", "SPF"}:
            answers.append(((name, qtype), rdata.strings))
    return answers


spf.DNSLookup = _spf_lookup


class _Quiet:
    """dkimpy logs every failed signature at ERROR; a forged mail is no error of ours."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


_quiet = _Quiet()
