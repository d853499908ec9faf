"""Is a sending domain set up for delivery? SPF (with its include chain and the 10-lookup limit), DKIM for
our selectors (the published key is the one we sign with), DMARC (policy and alignment), MX, MTA-STS and
TLS-RPT records, and the reverse DNS of the relay where we know it. Each item gets a verdict and, when it
is not ``ok``, what to change. checkdmarc reads and parses the records; the resolver is
``HELPDESK_DNS_RESOLVER`` when set (tests run a DNS server on 127.0.0.1), else the system's.
"""

from __future__ import annotations

import ipaddress
from dataclasses import asdict, dataclass
from typing import Any

import dns.nameserver
import dns.resolver
import dns.reversename
from checkdmarc.dmarc import check_dmarc
from checkdmarc.mta_sts import query_mta_sts_record
from checkdmarc.smtp_tls_reporting import check_smtp_tls_reporting
from checkdmarc.spf import check_spf
from checkdmarc.utils import DNS_CACHE, get_mx_records
from django.conf import settings

from delivery.models import DkimKey

OK, WARN, FAIL = "ok", "warn", "fail"
SPF_LOOKUP_LIMIT = 10


@dataclass(frozen=True)
class Item:
    name: str
    verdict: str
    detail: str
    advice: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def resolver() -> dns.resolver.Resolver:
    servers = settings.HELPDESK_DNS_RESOLVER
    result = dns.resolver.Resolver(configure=not servers)
    if servers:
        result.nameservers = [dns.nameserver.Do53Nameserver(host, port) for host, port in servers]
    result.lifetime = result.timeout = float(settings.HELPDESK_DNS_TIMEOUT)
    return result


def check_domain(domain: str, *, relay: str | None = None) -> list[Item]:
    """Every check for ``domain``; ``relay`` is the relay's IP address or host name (default EMAIL_HOST)."""
    domain = domain.strip().lower().rstrip(".")
    # checkdmarc keeps answers in a process-wide cache; someone who just published a record and
    # checks again must see it.
    DNS_CACHE.clear()
    dns_resolver = resolver()
    timeout = float(settings.HELPDESK_DNS_TIMEOUT)
    options: dict[str, Any] = {"resolver": dns_resolver, "timeout": timeout, "retries": 0}
    items = [
        _spf(domain, options),
        *_dkim(domain, dns_resolver),
        _dmarc(domain, options),
        _mx(domain, options),
        _mta_sts(domain, options),
        _tls_rpt(domain, options),
    ]
    relay_item = _reverse_dns(relay if relay is not None else settings.EMAIL_HOST, dns_resolver)
    if relay_item is not None:
        items.append(relay_item)
    return items


def _spf(domain: str, options: dict[str, Any]) -> Item:
    result = check_spf(domain, **options)
    if not result.get("valid") or not result.get("record"):
        error = str(result.get("error") or "no SPF record")
        advice = (
            "More than 10 DNS lookups: receivers answer permerror. Flatten includes."
            if "DNS lookups" in error
            else f'Publish one TXT record at {domain}: "v=spf1 include:<your relay or ESP> -all".'
        )
        return Item("SPF", FAIL, error, advice)
    lookups = int(result.get("dns_lookups") or 0)
    includes = _includes(result.get("parsed") or {})
    detail = f"{result['record']} ({lookups} DNS lookups; includes: {', '.join(includes) or 'none'})"
    if lookups > SPF_LOOKUP_LIMIT:
        return Item(
            "SPF", FAIL, detail, "More than 10 DNS lookups: receivers answer permerror. Flatten includes."
        )
    parsed = result.get("parsed") or {}
    if str(parsed.get("all", "")) in ("pass", "neutral", "None"):
        return Item("SPF", WARN, detail, 'End the record with "-all" or "~all", not "+all" or "?all".')
    return Item("SPF", OK, detail)


def _includes(parsed: dict[str, Any]) -> list[str]:
    """The include chain, depth first: a.example (b.example)."""
    found = []
    for mechanism in parsed.get("mechanisms", []) or []:
        if isinstance(mechanism, dict) and mechanism.get("mechanism") == "include":
            inner = _includes(mechanism.get("parsed") or {})
            name = str(mechanism.get("value", ""))
            found.append(f"{name} ({', '.join(inner)})" if inner else name)
    return found


def _dkim(domain: str, dns_resolver: dns.resolver.Resolver) -> list[Item]:
    keys = list(DkimKey.objects.filter(domain=domain, active=True))
    if not keys:
        return [
            Item(
                "DKIM",
                WARN,
                "we have no DKIM key for this domain",
                "Run manage.py dkim_keygen --domain " + domain,
            )
        ]
    items = []
    for key in keys:
        name = key.dns_name
        try:
            answer = dns_resolver.resolve(name, "TXT")
            published = "".join(b"".join(rdata.strings).decode("ascii", "replace") for rdata in answer)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            items.append(
                Item(f"DKIM {key.selector}", FAIL, f"no record at {name}", f'Publish "{key.dns_record}".')
            )
            continue
        except dns.exception.DNSException as exc:
            items.append(
                Item(f"DKIM {key.selector}", WARN, f"DNS error: {type(exc).__name__}", "Check again.")
            )
            continue
        tags = dict(part.strip().split("=", 1) for part in published.split(";") if "=" in part)
        if tags.get("p", "").replace(" ", "") == key.public_key:
            items.append(Item(f"DKIM {key.selector}", OK, f"{name}: the key we sign with"))
        else:
            items.append(
                Item(
                    f"DKIM {key.selector}",
                    FAIL,
                    f"{name} publishes another key",
                    f'Publish "{key.dns_record}".',
                )
            )
    return items


def _dmarc(domain: str, options: dict[str, Any]) -> Item:
    result: dict[str, Any] = dict(check_dmarc(domain, **options))
    if not result.get("valid") or not result.get("record"):
        return Item(
            "DMARC",
            FAIL,
            str(result.get("error") or "no DMARC record"),
            f'Publish TXT at _dmarc.{domain}: "v=DMARC1; p=none; rua=mailto:dmarc@{domain}", then tighten.',
        )
    tags = result.get("tags") or {}

    def tag(name: str, default: str = "") -> str:
        value = tags.get(name) or {}
        return str(value.get("value", default) if isinstance(value, dict) else value)

    policy, adkim, aspf = tag("p"), tag("adkim", "r"), tag("aspf", "r")
    detail = f"{result['record']} (policy {policy}, alignment DKIM {adkim}, SPF {aspf})"
    if not tag("rua"):
        return Item("DMARC", WARN, detail, "Add rua=mailto:... so providers send aggregate reports.")
    if policy == "none":
        return Item(
            "DMARC", WARN, detail, "Once reports show your mail aligned, move to p=quarantine, then reject."
        )
    return Item("DMARC", OK, detail)


def _mx(domain: str, options: dict[str, Any]) -> Item:
    try:
        hosts = get_mx_records(domain, **options)
    except Exception as exc:  # noqa: BLE001 - checkdmarc raises its own errors for DNS trouble
        return Item("MX", WARN, f"no MX: {exc}", "Bounces and replies need an MX for the domain.")
    if not hosts:
        return Item("MX", WARN, "no MX records", "Bounces and replies need an MX for the domain.")
    return Item("MX", OK, ", ".join(f"{host['preference']} {host['hostname']}" for host in hosts))


def _mta_sts(domain: str, options: dict[str, Any]) -> Item:
    try:
        result = query_mta_sts_record(domain, **options)
    except Exception as exc:  # noqa: BLE001
        return Item(
            "MTA-STS", WARN, str(exc) or "no record", f'Publish TXT at _mta-sts.{domain}: "v=STSv1; id=..."'
        )
    return Item("MTA-STS", OK, str(result.get("record", "")))


def _tls_rpt(domain: str, options: dict[str, Any]) -> Item:
    result: dict[str, Any] = dict(check_smtp_tls_reporting(domain, **options))
    if not result.get("valid"):
        return Item(
            "TLS-RPT",
            WARN,
            str(result.get("error") or "no record"),
            f'Publish TXT at _smtp._tls.{domain}: "v=TLSRPTv1; rua=mailto:tls-reports@{domain}".',
        )
    return Item("TLS-RPT", OK, str(result.get("record", "")))


def _reverse_dns(relay: str, dns_resolver: dns.resolver.Resolver) -> Item | None:
    """The relay's PTR, forward-confirmed; only for a relay we know the address of."""
    if not relay or relay in ("localhost",):
        return None
    try:
        address = str(ipaddress.ip_address(relay))
    except ValueError:
        try:
            address = str(dns_resolver.resolve(relay, "A")[0])
        except dns.exception.DNSException:
            return None
    if ipaddress.ip_address(address).is_loopback:
        return None
    try:
        names = [
            str(r).rstrip(".") for r in dns_resolver.resolve(dns.reversename.from_address(address), "PTR")
        ]
    except dns.exception.DNSException:
        return Item(
            "Reverse DNS", FAIL, f"{address} has no PTR record", "Ask the relay's provider for a PTR."
        )
    for name in names:
        try:
            if address in {str(r) for r in dns_resolver.resolve(name, "A")}:
                return Item("Reverse DNS", OK, f"{address} -> {name} -> {address}")
        except dns.exception.DNSException:
            continue
    return Item(
        "Reverse DNS", WARN, f"{address} -> {', '.join(names)}, not confirmed", "Make the name point back."
    )
