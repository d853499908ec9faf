"""Sender authentication of inbound mail: trusted Authentication-Results, and our own DKIM, SPF and
DMARC checks against a DNS server on 127.0.0.1."""

from __future__ import annotations

from typing import Any

import pytest

from helpdesk.ingest.sender_auth import Checker, trusted_hop
from helpdesk.ingest.services import process_stored, store_raw_email
from helpdesk.mail import sender_auth as rules
from helpdesk.mail.parsing import parse_email
from helpdesk.models import Message
from tests.dns_server import DkimKey, LocalDns
from tests.helpdesk.ingest_support import make_mail

FORGED = "Karin Kund <karin@kund.example>"


def verdict(raw: bytes) -> rules.SenderAuth:
    return Checker().check(raw, parse_email(raw))


# -- Authentication-Results from a trusted server --------------------------------------------------
def test_only_the_trusted_servers_authentication_results_count(settings: Any) -> None:
    settings.HELPDESK_AUTHSERV_IDS = ["mx.nordlager.example"]
    settings.HELPDESK_SENDER_AUTH = "header"
    forged_pass = "evil.example; dmarc=pass header.from=kund.example"
    raw = make_mail(sender=FORGED, headers={"Authentication-Results": forged_pass})
    assert verdict(raw).verdict == rules.UNCHECKED

    ours = "mx.nordlager.example; dkim=fail header.d=kund.example; dmarc=fail header.from=kund.example"
    # The attacker's copy with our id sits below the one our server wrote at the top.
    raw = make_mail(sender=FORGED, headers={"Authentication-Results": ours})
    raw = raw.replace(
        b"Authentication-Results:",
        b"Authentication-Results: MX.nordlager.example; dmarc=pass header.from=kund.example\r\n"
        b"Authentication-Results:",
        1,
    )
    result = verdict(raw)
    assert result.verdict == rules.PASS  # the topmost header with our id is our server's
    assert result.source == rules.FROM_HEADER and result.authserv_id.lower() == "mx.nordlager.example"


def test_authentication_results_without_dmarc_are_judged_by_alignment(settings: Any) -> None:
    settings.HELPDESK_AUTHSERV_IDS = ["mx.nordlager.example"]
    aligned = "mx.nordlager.example; dkim=pass header.d=mail.kund.example; spf=fail smtp.mailfrom=x.example"
    assert verdict(make_mail(sender=FORGED, headers={"Authentication-Results": aligned})).verdict == "pass"
    foreign = "mx.nordlager.example; dkim=pass header.d=evil.example; spf=pass smtp.mailfrom=b@evil.example"
    result = verdict(make_mail(sender=FORGED, headers={"Authentication-Results": foreign}))
    assert not result.authenticated
    junk = "mx.nordlager.example; dkim=pass (unclosed comment header.d=kund.example"
    assert not verdict(make_mail(sender=FORGED, headers={"Authentication-Results": junk})).authenticated


def test_dmarc_alignment_is_relaxed_unless_the_record_says_strict() -> None:
    ok = [rules.MethodResult("dkim", "pass", "mail.kund.co.uk")]
    relaxed = rules.parse_dmarc_record("v=DMARC1; p=reject")
    strict = rules.parse_dmarc_record("v=DMARC1; p=reject; adkim=s")
    args: dict[str, Any] = {"from_domain": "kund.co.uk", "methods": ok, "source": rules.CHECKED}
    assert rules.evaluate(record=relaxed, **args).verdict == rules.PASS
    assert rules.evaluate(record=strict, **args).verdict == rules.FAIL
    # co.uk is a public suffix: another company below it is not aligned.
    other = [rules.MethodResult("dkim", "pass", "evil.co.uk")]
    unaligned = rules.evaluate(from_domain="kund.co.uk", methods=other, record=None, source="checked")
    assert unaligned.verdict == "none"
    assert rules.parse_dmarc_record("v=spf1 -all") is None
    record = rules.parse_dmarc_record("v=DMARC1; p=quarantine; sp=reject")
    assert record is not None and record.policy_for("a.kund.se") == "reject"


# -- our own checks against local DNS --------------------------------------------------------------
def test_a_signed_mail_passes_and_the_same_mail_with_a_forged_from_fails(local_dns: LocalDns) -> None:
    key = DkimKey.make("kund.example")
    key.publish(local_dns)
    local_dns.zone.add_txt("_dmarc.kund.example", "v=DMARC1; p=reject")
    signed = key.sign(make_mail(sender="Karin <karin@kund.example>"))

    good = verdict(signed)
    assert good.verdict == rules.PASS and good.source == rules.CHECKED
    assert ("dkim", "pass", "kund.example") in [(m.method, m.result, m.domain) for m in good.methods]
    assert good.dmarc_policy == "reject"

    tampered = signed.replace(b"\nSubject: ", b"\nSubject: Faktura till ny adress: ", 1)
    assert tampered != signed
    assert verdict(tampered).verdict == rules.FAIL


def test_an_attackers_own_signature_does_not_authenticate_the_customers_address(local_dns: LocalDns) -> None:
    attacker = DkimKey.make("evil.example")
    attacker.publish(local_dns)
    local_dns.zone.add_txt("_dmarc.kund.example", "v=DMARC1; p=none")
    result = verdict(attacker.sign(make_mail(sender=FORGED)))
    assert result.verdict == rules.FAIL
    assert ("dkim", "pass", "evil.example") in [(m.method, m.result, m.domain) for m in result.methods]


def test_no_signature_and_no_dmarc_record_is_none_and_dns_trouble_is_temporary(
    local_dns: LocalDns, settings: Any
) -> None:
    assert verdict(make_mail(sender=FORGED)).verdict == rules.NONE
    # A resolver that never answers: the verdict says DNS failed, not that the sender is forged.
    settings.HELPDESK_DNS_RESOLVER = [("127.0.0.1", 9)]
    settings.HELPDESK_DNS_TIMEOUT = 0.3
    result = verdict(DkimKey.make("kund.example").sign(make_mail(sender=FORGED)))
    assert result.verdict == rules.TEMPERROR and not result.authenticated


def test_spf_checks_the_address_our_own_mta_recorded(local_dns: LocalDns, settings: Any) -> None:
    settings.HELPDESK_MX_HOSTS = ["mx.nordlager.example"]
    local_dns.zone.add_txt("kund.example", "v=spf1 ip4:192.0.2.10 -all")
    local_dns.zone.add_txt("_dmarc.kund.example", "v=DMARC1; p=reject")

    def received(ip: str) -> bytes:
        return make_mail(
            sender=FORGED,
            headers={
                "Return-Path": "<bounces@kund.example>",
                "Received": f"from out.kund.example (out.kund.example [{ip}]) by mx.nordlager.example "
                "(Postfix) with ESMTPS id 4XyZ; Mon, 30 Nov 2026 09:00:00 +0100",
            },
        )

    assert verdict(received("192.0.2.10")).verdict == rules.PASS
    failed = verdict(received("198.51.100.7"))
    assert failed.verdict == rules.FAIL and ("spf", "fail", "kund.example") in [
        (m.method, m.result, m.domain) for m in failed.methods
    ]
    # A Received header the sender wrote (not by our MX) is not believed.
    settings.HELPDESK_MX_HOSTS = ["mx.other.example"]
    assert trusted_hop(parse_email(received("192.0.2.10")).headers, ["mx.other.example"]) is None
    assert verdict(received("192.0.2.10")).verdict == rules.FAIL


def test_several_from_headers_never_authenticate(local_dns: LocalDns) -> None:
    raw = make_mail(sender=FORGED).replace(b"From:", b"From: boss@kund.example\r\nFrom:", 1)
    assert verdict(raw).verdict == rules.FAIL


@pytest.mark.django_db
def test_ingest_stores_the_verdict_on_each_message_and_skips_dns_for_reports(local_dns: LocalDns) -> None:
    key = DkimKey.make("kund.example")
    key.publish(local_dns)
    local_dns.zone.add_txt("_dmarc.kund.example", "v=DMARC1; p=reject")
    store_raw_email(raw=key.sign(make_mail(sender="Karin <karin@kund.example>", subject="Signed")))
    store_raw_email(raw=make_mail(sender=FORGED, subject="Forged"))
    store_raw_email(raw=make_mail(sender="Olle <olle@kund.example>", subject="Forged too"))
    process_stored()

    by_subject = {m.subject: rules.SenderAuth.from_dict(m.sender_auth) for m in Message.objects.all()}
    assert by_subject["Signed"].verdict == rules.PASS
    assert by_subject["Forged"].verdict == by_subject["Forged too"].verdict == rules.FAIL
    # One batch: the key and the DMARC record were each asked for once.
    assert local_dns.zone.queries.count(("_dmarc.kund.example", "TXT")) == 1
    assert local_dns.zone.queries.count(("s1._domainkey.kund.example", "TXT")) == 1


def test_stored_values_read_back_and_junk_is_unchecked() -> None:
    auth = rules.SenderAuth(
        "pass", "checked", "kund.example", methods=(rules.MethodResult("dkim", "pass", "kund.example"),)
    )
    assert rules.SenderAuth.from_dict(auth.as_dict()) == auth
    assert rules.SenderAuth.from_dict({}).verdict == rules.UNCHECKED
    assert rules.SenderAuth.from_dict({"verdict": "trust me"}).verdict == rules.UNCHECKED
    assert "DKIM pass for kund.example" in rules.describe(auth)


@pytest.mark.django_db
def test_the_ticket_page_shows_whether_each_sender_was_authenticated(client: Any, agent: Any) -> None:
    from django.urls import reverse

    from tests.factories import MessageFactory

    good = MessageFactory.create(subject="Signed")
    forged_auth = rules.SenderAuth(rules.FAIL, rules.CHECKED, from_domain="kund.example").as_dict()
    MessageFactory.create(ticket=good.ticket, sender_auth=forged_auth, from_address="karin@kund.example")
    client.force_login(agent)
    page = client.get(reverse("ticket", args=[good.ticket_id])).text
    assert page.count('class="badge sender-authenticated"') == 1
    assert page.count('class="badge sender-unauthenticated" title="DMARC fails for kund.example"') == 1
