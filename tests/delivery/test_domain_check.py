"""check_domain against a DNS server on 127.0.0.1 (dnslib), never the internet."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from delivery.domain_check import check_domain
from delivery.models import DkimKey
from tests.dns_server import LocalDns

pytestmark = pytest.mark.django_db
DOMAIN = "nordlager.example"


def good_zone(dns: LocalDns, key: DkimKey) -> None:
    dns.zone.add_txt(DOMAIN, "v=spf1 include:_spf.relay.example -all")
    dns.zone.add_txt("_spf.relay.example", "v=spf1 ip4:192.0.2.10 -all")
    dns.zone.add_txt(key.dns_name, key.dns_record)
    dns.zone.add_txt(f"_dmarc.{DOMAIN}", f"v=DMARC1; p=reject; adkim=s; rua=mailto:dmarc@{DOMAIN}")
    dns.zone.add_mx(DOMAIN, f"mx.{DOMAIN}")
    dns.zone.add_a(f"mx.{DOMAIN}", "192.0.2.25")
    dns.zone.add_txt(f"_mta-sts.{DOMAIN}", "v=STSv1; id=20260101")
    dns.zone.add_txt(f"_smtp._tls.{DOMAIN}", f"v=TLSRPTv1; rua=mailto:tls@{DOMAIN}")
    dns.zone.add_ptr("10.2.0.192.in-addr.arpa", "relay.example")
    dns.zone.add_a("relay.example", "192.0.2.10")


def make_key() -> DkimKey:
    return DkimKey.objects.create(
        domain=DOMAIN, selector="s2026", algorithm="rsa", public_key="MIIBIjANBgkqhkiG9w0B"
    )


def verdicts(items: list[Any]) -> dict[str, str]:
    return {item.name: item.verdict for item in items}


def test_a_domain_set_up_well_passes_every_check(local_dns: LocalDns) -> None:
    key = make_key()
    good_zone(local_dns, key)
    items = check_domain(DOMAIN, relay="192.0.2.10")
    assert verdicts(items) == {
        "SPF": "ok",
        "DKIM s2026": "ok",
        "DMARC": "ok",
        "MX": "ok",
        "MTA-STS": "ok",
        "TLS-RPT": "ok",
        "Reverse DNS": "ok",
    }
    spf = next(item for item in items if item.name == "SPF")
    assert "_spf.relay.example" in spf.detail  # the include chain


def test_problems_get_a_verdict_and_what_to_change(local_dns: LocalDns) -> None:
    make_key()
    local_dns.zone.add_txt(DOMAIN, "v=spf1 " + " ".join(f"include:i{n}.example" for n in range(11)) + " -all")
    for n in range(11):
        local_dns.zone.add_txt(f"i{n}.example", "v=spf1 -all")
    local_dns.zone.add_txt(f"s2026._domainkey.{DOMAIN}", "v=DKIM1; k=rsa; p=SOMETHINGELSE")
    local_dns.zone.add_txt(f"_dmarc.{DOMAIN}", "v=DMARC1; p=none")
    items = {item.name: item for item in check_domain(DOMAIN, relay="")}
    assert items["SPF"].verdict == "fail" and "10" in items["SPF"].advice
    assert items["DKIM s2026"].verdict == "fail" and "p=MIIBIjANBgkqhkiG9w0B" in items["DKIM s2026"].advice
    assert items["DMARC"].verdict == "warn" and "rua" in items["DMARC"].advice
    assert items["MX"].verdict == "warn" and items["TLS-RPT"].verdict == "warn"


def test_check_domain_command_prints_json_and_fails_on_a_failing_item(
    local_dns: LocalDns, capsys: Any
) -> None:
    key = make_key()
    good_zone(local_dns, key)
    call_command("check_domain", DOMAIN, "--relay", "192.0.2.10", "--json")
    printed = json.loads(capsys.readouterr().out)
    assert {item["verdict"] for item in printed} == {"ok"}
    local_dns.zone.clear()
    with pytest.raises(CommandError, match="SPF"):
        call_command("check_domain", DOMAIN, "--relay", "")
