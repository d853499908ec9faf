from __future__ import annotations

import datetime as dt
from decimal import Decimal

from drafts.verify import claim_state, stored_claim, verify

FACTS = [
    ("order:100231#number", "100231"),
    ("shipment:X#eta", dt.date(2026, 12, 1)),
    ("shipment:X#tracking_number", "00370712345678901234"),
    ("invoice:55015#amount", Decimal("26787.50")),
    ("order_line:100231/1#quantity", 120),
    ("order_line:100231/1#sku", "PAL-EUR-1200"),
]


def _by_text(body: str, **kwargs: object) -> dict[str, object]:
    return {claim.text: claim for claim in verify(body, facts=FACTS, **kwargs)}  # type: ignore[arg-type]


def test_values_matching_facts_are_verified_in_both_notations() -> None:
    body = (
        "Order 100231: 120 st PAL-EUR-1200, 26\u00a0787,50 SEK. "
        "Tracking 00370712345678901234, ETA 2026-12-01.\n"
        "In English: 26,787.50 SEK, arriving December 1 (1/12/2026)."
    )
    claims = verify(body, facts=FACTS)
    assert claims, "the body has numbers to check"
    assert all(claim.verified for claim in claims), [c for c in claims if not c.verified]
    amount = next(c for c in claims if c.text == "26\u00a0787,50")
    assert amount.kind == "amount"
    assert amount.fact_ids == ("invoice:55015#amount",)


def test_an_invented_number_is_unverified_with_its_position() -> None:
    body = "Your order 100231 and order 100999 ship on 2026-12-03."
    claims = {claim.text: claim for claim in verify(body, facts=FACTS)}
    invented = claims["100999"]
    assert not invented.verified
    assert body[invented.start : invented.end] == "100999"
    assert not claims["2026-12-03"].verified
    assert claims["100231"].verified


def test_customer_numbers_are_the_customer_s_and_trusted_texts_are_verified() -> None:
    body = "You wrote that 40 boxes were crushed. Claims are accepted within 8 days."
    claims = _by_text(
        body, customer_text="40 of the boxes were crushed", trusted_texts=["within 8 days of delivery"]
    )
    assert claims["40"].state == "customer"  # type: ignore[attr-defined]
    assert claims["40"].source == "customer"  # type: ignore[attr-defined]
    assert claims["8"].state == "verified"  # type: ignore[attr-defined]
    assert claims["8"].source == "trusted"  # type: ignore[attr-defined]
    assert _by_text(body)["40"].state == "unverified"  # type: ignore[attr-defined]


def test_a_fact_or_a_trusted_text_outranks_the_customer_s_text() -> None:
    # The customer wrote the right order number and a figure the template also has: both are ours.
    claims = _by_text(
        "Order 100231: returns within 30 days.",
        customer_text="Order 100231, can I return it after 30 days?",
        trusted_texts=["Returns are accepted within 30 days."],
    )
    assert claims["100231"].state == "verified" and claims["100231"].source == "fact"  # type: ignore[attr-defined]
    assert claims["30"].state == "verified" and claims["30"].source == "trusted"  # type: ignore[attr-defined]


def test_stored_claims_from_before_states_read_as_customer_stated() -> None:
    old = {"start": 0, "end": 5, "text": "5 000", "kind": "amount", "verified": True, "source": "customer"}
    assert claim_state(old) == "customer"
    assert claim_state({**old, "source": "fact"}) == "verified"
    assert claim_state({**old, "verified": False, "source": ""}) == "unverified"
    assert stored_claim(old) == {
        **old,
        "state": "customer",
        "verified": False,
        "fact_ids": [],
        "part": "body",
    }
    fresh = verify("Ni betalade 5 000 kr.", facts=FACTS, customer_text="Jag betalade 5 000 kr")[0]
    assert stored_claim(fresh.as_dict()) == fresh.as_dict()


def test_a_wrong_sku_or_amount_is_unverified() -> None:
    claims = _by_text("PAL-EUR-1300 costs 26 787,00 SEK")
    assert not claims["PAL-EUR-1300"].verified  # type: ignore[attr-defined]
    assert not claims["26 787,00"].verified  # type: ignore[attr-defined]


def test_numbers_written_against_their_unit_are_claims() -> None:
    # "100kr", "5st", "4x" were no claim at all: an invented price without a space went through.
    for body, text, kind in [
        ("Priset är 100kr per styck.", "100", "amount"),
        ("Vi har 5st kvar.", "5", "quantity"),
        ("Price: 26787.90SEK", "26787.90", "amount"),
        ("Vi skickar 4x pallar.", "4", "quantity"),
    ]:
        claims = _by_text(body)
        assert text in claims, (body, list(claims))
        assert not claims[text].verified  # type: ignore[attr-defined]
        assert claims[text].kind == kind  # type: ignore[attr-defined]
    assert _by_text("Vi skickar 120st i dag.")["120"].verified  # type: ignore[attr-defined]


def test_ordinal_dates_are_checked_as_dates() -> None:
    # "the 3rd of December" and "3:e december" were no claim at all.
    for body in [
        "It arrives on the 3rd of December.",
        "It arrives on 3rd December 2026.",
        "Den 3:e december.",
    ]:
        claims = verify(body, facts=FACTS)
        assert claims, body
        assert not any(claim.verified for claim in claims), (body, claims)
    for body in ["It arrives on the 1st of December.", "Leverans den 1:a december 2026."]:
        claims = verify(body, facts=FACTS)
        assert [claim.kind for claim in claims] == ["date"], (body, claims)
        assert claims[0].verified, body
    unknown_day = _by_text("It arrives on the 14th.")
    assert not unknown_day["14"].verified  # type: ignore[attr-defined]


def test_codes_without_a_hyphen_are_claims() -> None:
    # Order numbers, SKUs and tracking numbers like these were no claim at all.
    facts = [*FACTS, ("shipment:JJD0012345678#tracking_number", "JJD0012345678")]
    for code in ["SO10023", "JJD0099999999", "1Z999AA10123456784", "AB1234"]:
        claims = {c.text: c for c in verify(f"Your reference is {code}.", facts=facts)}
        assert code in claims, (code, list(claims))
        assert claims[code].kind == "code"
        assert not claims[code].verified
    assert verify("Tracking JJD0012345678.", facts=facts)[0].verified


def test_hyphenated_words_are_not_codes() -> None:
    assert verify("Skicka ett e-post eller en follow-up via vår T-shirt-butik.", facts=FACTS) == []
    assert [c.text for c in verify("COVID-19 och PAL-EUR", facts=FACTS)] == ["COVID-19", "PAL-EUR"]


def test_an_amount_is_verified_only_by_a_money_value() -> None:
    # 120 is the ordered quantity; "120 kr" states a price that no fact has.
    claims = verify("Totalt 120 kr för 120 st.", facts=FACTS)
    assert [(c.text, c.kind, c.verified) for c in claims] == [
        ("120", "amount", False),
        ("120", "quantity", True),
    ]
    note = [*FACTS, ("shipment:X#status_note", "Frakttillägg 250 kr debiteras")]
    assert verify("Frakttillägget är 250 kr.", facts=note)[0].verified
    assert verify("Fakturan är på 26 787,50 kr.", facts=FACTS)[0].verified
    # The customer's own figures and the house's texts are not ERP facts: as written, any notation.
    quoted = verify(
        "Ni skriver 300 kr; fri frakt över 5000 kr.",
        facts=FACTS,
        customer_text="jag betalade 300 i frakt",
        trusted_texts=["Fri frakt över 5000."],
    )
    assert [(c.source, c.state) for c in quoted] == [("customer", "customer"), ("trusted", "verified")]
    assert not quoted[0].verified  # the customer's figure is theirs, not checked against the ERP


def test_a_dotted_date_is_read_day_first() -> None:
    # 1.12.2026 is 1 December wherever dots are written (Sweden, Norway, Germany); 12.1.2026 is not it.
    assert verify("Leverans 1.12.2026.", facts=FACTS)[0].verified
    assert not verify("Leverans 12.1.2026.", facts=FACTS)[0].verified
    assert verify("Delivery 12/1/2026.", facts=FACTS)[0].verified  # US English: month first


def test_an_order_number_is_not_verified_by_a_quantity_with_the_same_digits() -> None:
    stock = [*FACTS, ("stock:BOX-CORR-4030/Jönköping#on_hand", 12500)]
    invented = verify("Er order 12500 är skickad.", facts=stock)[0]
    assert (invented.kind, invented.verified) == ("identifier", False)
    in_stock = verify("Vi har 12500 st i lager.", facts=stock)[0]
    assert (in_stock.kind, in_stock.verified) == ("quantity", True)
    note = [*FACTS, ("shipment:X#status_note", "Ersätter order 100299")]
    assert verify("Order 100299 är ersatt.", facts=note)[0].verified
    assert verify("Order 100231 är skickad.", facts=FACTS)[0].verified
    # An order number the customer wrote may be quoted back, but as theirs: it may be mistyped.
    echoed = verify("Order 999999 finns inte.", facts=FACTS, customer_text="order 999999?")[0]
    assert (echoed.state, echoed.source, echoed.verified) == ("customer", "customer", False)


def test_a_currency_written_before_the_number_makes_it_an_amount() -> None:
    for body in ["That is $120.", "Totalt: SEK 120", "Price € 120"]:
        claim = verify(body, facts=FACTS)[0]
        assert (claim.text, claim.kind, claim.verified) == ("120", "amount", False), body
    assert verify("Invoice total: SEK 26,787.50", facts=FACTS)[0].verified


def test_a_short_date_without_a_year_is_checked_as_a_date() -> None:
    # "den 3/12" is how Swedes write 3 December; its two numbers happened to match a package count
    # and a line quantity, so a wrong delivery day went through as two verified quantities.
    facts = [*FACTS, ("shipment:X#packages", 3), ("order_line:100231/2#quantity", 12)]
    wrong = verify("Leveransen kommer den 3/12.", facts=facts)
    assert [(c.text, c.kind, c.verified) for c in wrong] == [("3/12", "date", False)]
    right = verify("Leveransen kommer den 1/12.", facts=facts)
    assert [(c.text, c.kind, c.verified) for c in right] == [("1/12", "date", True)]
    assert verify("It arrives 12/1.", facts=facts)[0].verified  # US English: month first
    house = verify("Vi svarar 24/7.", facts=facts, trusted_texts=["Support 24/7"])
    assert [(c.source, c.verified) for c in house] == [("trusted", True)]
    assert [c.kind for c in verify("Pris 1,5 kg eller 3.12 m", facts=facts)] == ["quantity", "quantity"]
