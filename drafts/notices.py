"""Drafting a bulk notice for one contact: ground -> compose -> verify, like a reply, from that customer's
own ERP records only. Reads only; ``notices.services`` stores the outcome.

The text states only values of the records it was given (order, reference, dates, carrier, tracking
number, product, quantity, stock), each written as ``drafts.formatting`` writes facts, and ``verify``
checks every number, code and date of the body and each subject variant against those facts. A record
of another customer is never used: it is withheld and flags the text (``other_customers_record``).
Greeting, closing and signature are the language's ``BrandVoice``; notices are written in Swedish or
English (the contact's language, else the ERP customer's; other languages get English).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from drafts import verify
from drafts.compose import ComposeError, Style, reply_names
from drafts.composed import json_value, local_time
from drafts.formatting import format_date, format_int
from drafts.grounding import record_facts
from drafts.models import BrandVoice, Flag
from integrations.base import Customer, Fact, Order, Product

LANGUAGES = ("sv", "en")

# Per kind and language: subject variants (the A/B candidates) and the sentences around the facts.
TEXTS: dict[str, dict[str, dict[str, Any]]] = {
    "delayed_shipments": {
        "en": {
            "subjects": [
                "Your order {order} is delayed",
                "New delivery date for order {order}",
                "Update on the delivery of order {order}",
            ],
            "order": "Your order {order}{reference} was to arrive on {requested}.",
            "shipment": "The shipment {tracking} with {carrier} is now expected on {eta}.",
            "note": "The carrier says: {note}",
            "end": "We are sorry for the delay. If the new date does not work for you, reply to this "
            "message and we will find a solution together.",
            "reference": " (your reference {reference})",
        },
        "sv": {
            "subjects": [
                "Din order {order} är försenad",
                "Nytt leveransdatum för order {order}",
                "Besked om leveransen av order {order}",
            ],
            "order": "Din order {order}{reference} skulle ha kommit {requested}.",
            "shipment": "Sändningen {tracking} med {carrier} väntas nu komma {eta}.",
            "note": "Transportören meddelar: {note}",
            "end": "Vi ber om ursäkt för förseningen. Om det nya datumet inte passar er, svara på det här "
            "mejlet så hittar vi en lösning tillsammans.",
            "reference": " (er referens {reference})",
        },
    },
    "back_in_stock": {
        "en": {
            "subjects": [
                "{product} is back in stock",
                "Good news about order {order}",
                "{product} for order {order} is available again",
            ],
            "product": "{product} ({sku}) is back in stock: {available} {unit} available in {warehouse}.",
            "order": "Your order {order}{reference} has {quantity} {unit} of it.",
            "end": "We will send what is missing as soon as it is picked. Reply to this message if "
            "you want to change the order.",
            "reference": " (your reference {reference})",
        },
        "sv": {
            "subjects": [
                "{product} finns i lager igen",
                "Goda nyheter om order {order}",
                "{product} till order {order} finns igen",
            ],
            "product": "{product} ({sku}) finns i lager igen: {available} {unit} tillgängliga i {warehouse}.",
            "order": "Er order {order}{reference} innehåller {quantity} {unit} av den.",
            "end": "Vi skickar det som saknas så snart det är plockat. Svara på det här mejlet om ni vill "
            "ändra ordern.",
            "reference": " (er referens {reference})",
        },
    },
}


@dataclass
class NoticeText:
    subjects: list[str]
    body: str
    language: str
    citations: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)

    @property
    def subject(self) -> str:
        return self.subjects[0] if self.subjects else ""


@dataclass
class Voices:
    """The brand voices, read once per batch of notices."""

    by_language: dict[str, BrandVoice] = field(default_factory=dict)

    def get(self, language: str) -> BrandVoice:
        if not self.by_language:
            self.by_language = {voice.language: voice for voice in BrandVoice.objects.all()}
        voice = self.by_language.get(language)
        if voice is None:
            raise ComposeError(f"no brand voice for {language!r}")
        return voice


def notice_language(*, contact_language: str, customer: Customer | None) -> str:
    for language in (contact_language, customer.language if customer else ""):
        if language in LANGUAGES:
            return language
    return "en"


def draft_notice(
    *,
    kind: str,
    name: str,
    language: str,
    customer: Customer | None,
    orders: Iterable[Order],
    product: Product | None = None,
    message: str = "",
    voices: Voices | None = None,
) -> NoticeText:
    """The notice for one contact: ``orders`` are that customer's (others are withheld), ``product``
    the SKU back in stock, ``message`` the supervisor's own text for a pasted list."""
    own, withheld = _own_orders(customer, orders)
    voice = (voices or Voices()).get(language)
    names = reply_names(name.split(" ")[0] if name else "", voice, Style(), language)
    subjects: list[str] = []
    records: list[Any] = []
    paragraphs = [message.strip()]
    if kind != "list":
        paragraphs, subjects, records = _grounded(kind, language, own, product)
    body = "\n\n".join([names["greeting"], *paragraphs, f"{names['closing']}\n{names['signature']}"])
    trusted = [
        names["greeting"],
        names["closing"],
        names["signature"],
        *([message] if kind == "list" else []),
    ]
    return _verified(body, subjects, records, trusted, language, withheld, missing=kind != "list" and not own)


def _own_orders(customer: Customer | None, orders: Iterable[Order]) -> tuple[list[Order], list[str]]:
    own, withheld = [], []
    for order in orders:
        if customer is not None and order.customer_number == customer.number:
            own.append(order)
        else:
            withheld.append(order.number)
    return own, withheld


def _grounded(
    kind: str, language: str, orders: list[Order], product: Product | None
) -> tuple[list[str], list[str], list[Any]]:
    texts = TEXTS[kind][language]
    if kind == "delayed_shipments":
        delays = [_delay(order, texts) for order in orders]
        first: dict[str, str] = {"order": orders[0].number} if orders else {"order": ""}
        return delays + [texts["end"]], [s.format(**first) for s in texts["subjects"]], list(orders)
    paragraphs: list[str] = []
    records: list[Any] = list(orders)
    product_name = ""
    if product is not None:
        product_name = product.name_sv if language == "sv" and product.name_sv else product.name
        stocked = [level for level in product.stock if level.available > 0]
        if stocked:
            level = max(stocked, key=lambda item: item.available)
            paragraphs.append(
                texts["product"].format(
                    product=product_name,
                    sku=product.sku,
                    available=format_int(level.available, language),
                    unit=product.unit,
                    warehouse=level.warehouse,
                )
            )
        records.append(product)
    for order in orders:
        for line in order.lines:
            if product is not None and line.sku == product.sku:
                reference = texts["reference"].format(reference=order.customer_reference)
                paragraphs.append(
                    texts["order"].format(
                        order=order.number,
                        reference=reference if order.customer_reference else "",
                        quantity=format_int(line.quantity, language),
                        unit=product.unit,
                    )
                )
    values = {"product": product_name, "order": orders[0].number if orders else ""}
    return paragraphs + [texts["end"]], [s.format(**values) for s in texts["subjects"]], records


def _delay(order: Order, texts: dict[str, Any]) -> str:
    reference = (
        texts["reference"].format(reference=order.customer_reference) if order.customer_reference else ""
    )
    requested = format_date(order.requested_delivery_date) if order.requested_delivery_date else ""
    lines = [texts["order"].format(order=order.number, reference=reference, requested=requested)]
    for shipment in order.shipments:
        if shipment.delivered_at is None and shipment.eta is not None:
            lines.append(
                texts["shipment"].format(
                    tracking=shipment.tracking_number, carrier=shipment.carrier, eta=format_date(shipment.eta)
                )
            )
            note = (
                shipment.status_note_sv if texts is TEXTS["delayed_shipments"]["sv"] else shipment.status_note
            )
            if note:
                lines.append(texts["note"].format(note=note))
    return " ".join(lines)


def _verified(
    body: str,
    subjects: list[str],
    records: list[Any],
    trusted: list[str],
    language: str,
    withheld: list[str],
    *,
    missing: bool,
) -> NoticeText:
    facts: dict[str, Fact] = {fact.id: fact for record in records for fact in record_facts(record)}
    pairs = [(fact_id, local_time(fact.value)) for fact_id, fact in facts.items()]
    claims = verify.verify_texts(
        [(body, "body"), *((subject, "subject") for subject in subjects)], facts=pairs, trusted_texts=trusted
    )
    cited = sorted({fact_id for claim in claims for fact_id in claim.fact_ids})
    flags = []
    if any(not claim.verified for claim in claims):
        flags.append(Flag.UNVERIFIED)
    if withheld:
        flags.append(Flag.OTHER_CUSTOMER)
    if missing:
        flags.append(Flag.MISSING_FACTS)
    return NoticeText(
        subjects=subjects,
        body=body,
        language=language,
        citations=[_citation(facts[fact_id]) for fact_id in cited],
        claims=[claim.as_dict() for claim in claims],
        flags=[str(flag) for flag in flags],
        withheld=withheld,
    )


def _citation(fact: Fact) -> dict[str, Any]:
    return {
        "fact_id": fact.id,
        "label": fact.label,
        "value": json_value(fact.value),
        "record_type": fact.source.record_type,
        "key": fact.source.key,
        "url": fact.source.url,
    }
