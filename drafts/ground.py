"""Step 2 of drafting: fetch what the reply may state.

``ground(...)`` asks the ERP connector about every entity the customer named and about the contact's
recent orders, and gathers the thread so far, the contact's earlier tickets, similar approved replies
(email memory) and knowledge articles. Every record becomes citable ``Fact``s; every failed lookup
becomes a ``problem`` the draft shows, never a silent gap.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import partial
from typing import Any

from django.urls import reverse
from django.utils import timezone

from drafts import isolation, selectors
from drafts.entities import products_named
from drafts.grounding import Grounding, Lookups, record_facts
from drafts.intents import classify_intents
from drafts.language import SUPPORTED_LANGUAGES, language_named
from drafts.understand import Understanding
from helpdesk.models import Message, Ticket
from integrations.base import (
    Connector,
    Fact,
    SourceRef,
    offers_catalogue,
    offers_documents,
)

__all__ = ["Grounding", "Lookups", "fetch_records", "ground", "message_fact", "record_facts"]

# Intents for which the contact's open orders stand in when the customer named no order.
ORDER_INTENTS = {
    "order_status",
    "delivery_eta",
    "address_change",
    "return_complaint",
    "return_request",
    "cancellation",
    "legal_claim",
}
INVOICE_INTENTS = {"invoice_copy", "payment"}
# What a customer asks about their own records: an unknown sender asking it is a supervisor's question.
RECORD_INTENTS = (ORDER_INTENTS | INVOICE_INTENTS) - {"legal_claim"}
# Questions under which a product named by name, not SKU, is looked up ("other": an unclear question,
# read again once the products are known).
NAMED_PRODUCT_INTENTS = {"stock", "quote", "other"}
CLOSED_ORDER_STATUSES = {"delivered", "cancelled"}
RECENT_ORDERS = 3
# The sender's orders a mistyped number is compared with ("did you mean 100266?").
ORDERS_FOR_MATCHING = 10
# Numbers of one kind looked up per message: a mail listing hundreds of codes must not turn one draft
# into hundreds of ERP requests. The rest are reported as a problem the reviewer sees.
MAX_LOOKUPS_PER_KIND = 10


def ground(
    *,
    ticket: Ticket,
    message: Message,
    understanding: Understanding,
    connector: Connector,
    instruction: str = "",
) -> Grounding:
    grounding = Grounding()
    email = message.from_address or (ticket.contact.email if ticket.contact_id else "")
    fetch_records(
        Lookups(connector, grounding),
        understanding,
        email=email,
        text=f"{message.subject}\n{message.display_text}",
    )
    choose_language(understanding, grounding, instruction)
    _add_context(grounding, ticket=ticket, message=message, understanding=understanding)
    return grounding


def choose_language(understood: Understanding, grounding: Grounding, instruction: str) -> None:
    """The reply's language: a reviewer's "in German" first, else the text's, else (when the text does
    not decide) the ERP customer's language."""
    asked = language_named(instruction)
    if asked:
        understood.language = asked
    elif not understood.language_certain and grounding.customer is not None:
        customer_language = grounding.customer.language
        understood.language = (
            customer_language if customer_language in SUPPORTED_LANGUAGES else understood.language
        )


def fetch_records(lookups: Lookups, understanding: Understanding, *, email: str, text: str = "") -> Grounding:
    """Every ERP lookup of a draft: the sender's customer, the named records (products also by name,
    from ``text``), the recent orders; then every customer record is checked against the sender
    (``drafts.isolation``)."""
    grounding, connector, entities = lookups.grounding, lookups.connector, understanding.entities
    if email:
        grounding.customer = lookups.call(
            "customer", email, lambda: connector.find_customer(email=email), report_not_found=False
        )
    if grounding.customer is not None:
        grounding.add_record(grounding.customer)
    _fetch_orders(lookups, grounding, _first(grounding, "order", entities.orders))
    if text and not entities.skus and understanding.intent in NAMED_PRODUCT_INTENTS:
        _name_products(lookups, understanding, text)
    _fetch_codes(lookups, grounding, understanding)
    _fetch_invoices(lookups, _first(grounding, "invoice", entities.invoices))
    if grounding.customer is not None:
        number = grounding.customer.number
        recent = lookups.call(
            "recent orders", number, lambda: connector.recent_orders(number, limit=ORDERS_FOR_MATCHING)
        )
        grounding.recent_orders = recent or []
        _match_references(grounding, understanding.entities.skus, text)
    isolation.isolate(lookups)
    _follow_the_new_question(grounding, text)  # after isolation: a record it drops is withheld first
    named = (
        entities.orders or entities.tracking or entities.invoices or grounding.shipments or grounding.withheld
    )
    if not grounding.orders and not named and _asks_about_orders(understanding):
        for order in grounding.recent_orders[:RECENT_ORDERS]:
            if order.status not in CLOSED_ORDER_STATUSES and isolation.admit(lookups, order):
                grounding.orders.append(order)
                grounding.add_record(order)
    if set(understanding.intents) & INVOICE_INTENTS:
        _fetch_order_invoices(lookups, grounding)
    _fetch_backordered_products(lookups, grounding)
    isolation.offer_near_misses(grounding)
    _offer_product_near_misses(lookups)
    if set(understanding.intents or [understanding.intent]) & RECORD_INTENTS:
        isolation.unknown_sender_asks(grounding)
    if "invoice_copy" in (understanding.intents or [understanding.intent]):
        _fetch_invoice_documents(lookups, grounding)
    return grounding


def _fetch_invoice_documents(lookups: Lookups, grounding: Grounding) -> None:
    """The copies of the sender's own invoices (isolation has removed the others), when the connector
    offers documents; the reply then says the copy is attached."""
    fetch = getattr(lookups.connector, "invoice_document", None)
    if fetch is None or not offers_documents(lookups.connector):
        return
    for invoice in grounding.invoices[:MAX_LOOKUPS_PER_KIND]:
        document = lookups.call("invoice document", invoice.number, partial(fetch, invoice.number))
        if document is not None:
            grounding.documents[invoice.number] = document


def _fetch_backordered_products(lookups: Lookups, grounding: Grounding) -> None:
    """The products of the undelivered lines of backordered orders, for their restock dates."""
    skus = [
        line.sku
        for order in grounding.orders
        if order.status == "backordered"
        for line in order.lines
        if line.delivered_quantity < line.quantity
    ]
    for sku in list(dict.fromkeys(skus))[:MAX_LOOKUPS_PER_KIND]:
        product = next((p for p in grounding.products if p.sku == sku), None) or lookups.call(
            "product", sku, partial(lookups.connector.get_product, sku), report_not_found=False
        )
        if product is not None:
            grounding.line_products[sku] = product
            grounding.add_record(product)


def _asks_about_orders(understanding: Understanding) -> bool:
    return bool(set(understanding.intents or [understanding.intent]) & ORDER_INTENTS)


def _fetch_invoices(lookups: Lookups, numbers: list[str]) -> None:
    grounding = lookups.grounding
    for number in numbers:
        if any(invoice.number == number for invoice in grounding.invoices):
            continue
        invoice = lookups.call("invoice", number, partial(lookups.connector.get_invoice, number))
        if invoice is not None:
            grounding.invoices.append(invoice)
            grounding.add_record(invoice)


def _fetch_order_invoices(lookups: Lookups, grounding: Grounding) -> None:
    """For invoice and payment questions about an order: its invoices, or that it has none yet."""
    for order in grounding.orders:
        if order.invoice_numbers is None:
            continue  # the connector cannot say; the reply asks for the invoice number
        numbers = [n.strip() for n in order.invoice_numbers.split(",") if n.strip()]
        if not numbers:
            grounding.not_invoiced.append(order)
            continue
        before = len(grounding.invoices)
        _fetch_invoices(lookups, numbers[:MAX_LOOKUPS_PER_KIND])
        grounding.invoices[before:] = [i for i in grounding.invoices[before:] if isolation.admit(lookups, i)]


def _fetch_orders(lookups: Lookups, grounding: Grounding, numbers: list[str]) -> None:
    for number in numbers:
        order = lookups.call("order", number, partial(lookups.connector.get_order, number))
        if order is not None:
            grounding.orders.append(order)
            grounding.add_record(order)


def _name_products(lookups: Lookups, understanding: Understanding, text: str) -> None:
    """Products the mail names by name, not SKU ("har ni EUR-pallar i Jönköping?"), when the connector
    lists its products' names: they join the mail's SKUs (with a quantity written before the name),
    and a mail whose question was unclear is read again with them, as a SKU would have been read."""
    named = products_named(text, _catalogue(lookups))
    if not named:
        return
    entities = understanding.entities
    for product in named:
        entities.skus.append(product.sku)
        if product.quantity is not None:
            entities.quantities.setdefault(product.sku, product.quantity)
    if understanding.intent == "other":
        understanding.intents, understanding.intent_score = classify_intents(text.lower() + " ", entities)
        understanding.intent = understanding.intents[0]


def _catalogue(lookups: Lookups) -> list[tuple[str, tuple[str, ...]]]:
    """Every product's SKU and names, when the connector lists them (``CatalogueConnector``); else none."""
    connector = lookups.connector
    if not offers_catalogue(connector):
        return []
    names = lookups.call("product names", "", connector.product_names, report_not_found=False)  # type: ignore[attr-defined]
    return names or []


def _offer_product_near_misses(lookups: Lookups) -> None:
    """A SKU not found that misses one of the catalogue's by one keystroke ("PAL-EUR-120") becomes the
    question "did you mean PAL-EUR-1200?", as a mistyped order number does (products belong to no
    customer, so any sender may be offered one). Only when the connector lists its products."""
    grounding, connector = lookups.grounding, lookups.connector
    missed = [p for p in grounding.problems if p.get("kind") == "not_found" and p.get("what") == "product"]
    skus = [sku for sku, _names in _catalogue(lookups)] if missed else []
    for problem in missed:
        suggestion = isolation.near_miss(str(problem.get("key", "")), skus)
        if not suggestion:
            continue
        product = lookups.call(
            "product", suggestion, partial(connector.get_product, suggestion), report_not_found=False
        )
        if product is None:
            continue
        grounding.problems.remove(problem)
        grounding.problems.append(
            {
                "kind": isolation.SIMILAR_PRODUCT,
                "what": "product",
                "key": problem["key"],
                "suggestion": suggestion,
            }
        )
        for fact in product.facts():
            if fact.field == "sku":  # the suggested SKU is a fact the question may state
                grounding.add_fact(fact)


def _match_references(grounding: Grounding, codes: list[str], text: str) -> None:
    """Customers name an order by their own purchase-order reference as often as by our number ("any
    news on PO NP-PO-5510?"), or by the bare number without the word "order" ("hur går det med
    100231?"): a code of the mail that is neither a product nor a shipment and equals the reference of
    one of the sender's recent orders, or a bare number of the mail that is one of their order
    numbers, names that order. Only the sender's own orders are compared, so neither can ever reach
    another customer's order."""
    known = {
        *(p.sku.upper() for p in grounding.products),
        *(s.tracking_number.upper() for s in grounding.shipments),
    }
    references = {code.upper() for code in codes if code.upper() not in known}
    numbers = set(_BARE_NUMBER.findall(text))
    named = {order.number for order in grounding.orders}
    for order in grounding.recent_orders:
        reference = (order.customer_reference or "").strip().upper()
        if order.number not in named and (order.number in numbers or (reference and reference in references)):
            grounding.orders.append(order)
            grounding.add_record(order)
            named.add(order.number)


# What a reply's subject starts with in the five languages and the usual clients.
_REPLY_SUBJECT = re.compile(r"^\s*(?:(?:re|sv|svar|aw|antw|vs|odp|r)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)


def _follow_the_new_question(grounding: Grounding, text: str) -> None:
    """In a reply whose own words name an order ("Re: Order 100273" / "thanks, and how is 100231
    doing?"), the orders only its subject names are the old topic: the draft answers the new one.
    Without an order in the reply's words the subject's orders stay what is asked about."""
    subject, _newline, body = text.partition("\n")
    if not _REPLY_SUBJECT.match(subject) or len(grounding.orders) < 2:
        return
    asked = set(_BARE_NUMBER.findall(body))
    if any(order.number in asked for order in grounding.orders):
        grounding.orders = [order for order in grounding.orders if order.number in asked]


# A number standing alone (not part of a code, a phone number, a date or an amount).
_BARE_NUMBER = re.compile(r"(?<![\w.,/+-])\d{5,10}(?![\w/-]|[.,]\d)")


def _fetch_codes(lookups: Lookups, grounding: Grounding, understanding: Understanding) -> None:
    """SKU-like codes are products, or else tracking numbers; explicit tracking numbers are shipments."""
    connector = lookups.connector
    product_intent = understanding.intent in {"stock", "quote"}
    for code in _first(grounding, "product", understanding.entities.skus):
        product = lookups.call("product", code, partial(connector.get_product, code), report_not_found=False)
        if product is not None:
            grounding.products.append(product)
            grounding.add_record(product)
            continue
        if any(p.get("key") == code for p in grounding.problems):
            continue  # the ERP is down: do not ask again as a shipment
        shipment = lookups.call(
            "shipment", code, partial(connector.get_shipment, code), report_not_found=False
        )
        if shipment is not None:
            grounding.shipments.append(shipment)
            grounding.add_record(shipment)
        elif product_intent and not any(p.get("key") == code for p in grounding.problems):
            grounding.problems.append({"kind": "not_found", "what": "product", "key": code})
    for tracking in _first(grounding, "shipment", understanding.entities.tracking):
        shipment = lookups.call("shipment", tracking, partial(connector.get_shipment, tracking))
        if shipment is not None:
            grounding.shipments.append(shipment)
            grounding.add_record(shipment)


def _first(grounding: Grounding, what: str, keys: list[str]) -> list[str]:
    """The first ``MAX_LOOKUPS_PER_KIND`` keys; the others become one ``not_looked_up`` problem."""
    rest = keys[MAX_LOOKUPS_PER_KIND:]
    if rest:
        shown = ", ".join(rest[:3]) + (", ..." if len(rest) > 3 else "")
        grounding.problems.append({"kind": "not_looked_up", "what": what, "key": shown, "count": len(rest)})
    return keys[:MAX_LOOKUPS_PER_KIND]


def _add_context(
    grounding: Grounding, *, ticket: Ticket, message: Message, understanding: Understanding
) -> None:
    now = timezone.now()
    grounding.thread = selectors.thread_before(ticket=ticket, message=message)
    grounding.earlier_tickets = selectors.earlier_tickets(ticket=ticket)
    text = f"{message.subject}\n{message.display_text}"
    grounding.memory = selectors.similar_replies(
        text=text, language=understanding.language, exclude_ticket=ticket.pk
    )
    if understanding.injection:
        # Articles are chosen by the mail's words, and these words are the ones trying to steer the
        # assistant: no drafter gets an article they picked.
        return
    articles = selectors.relevant_articles(
        text=text, language=understanding.language, intents=understanding.intents or [understanding.intent]
    )
    for article in articles:
        source = SourceRef(
            system="knowledge",
            record_type="kb",
            key=str(article.pk),
            fetched_at=now,
            url=reverse("admin:drafts_knowledgearticle_change", args=[article.pk]),
        )
        fact = Fact(
            id=source.fact_id("body"), label=article.title, value=article.body, source=source, field="body"
        )
        grounding.add_fact(fact)
        grounding.knowledge.append(
            {"id": article.pk, "title": article.title, "body": article.body, "fact": fact}
        )


def message_fact(message: Message, name: str, value: Any, label: str) -> Fact:
    """A value the customer wrote (e.g. the quantity they ask for), citable as their message."""
    source = SourceRef(
        system="helpdesk",
        record_type="message",
        key=str(message.pk),
        fetched_at=message.created_at or dt.datetime.now(tz=dt.UTC),
    )
    return Fact(id=source.fact_id(name), label=label, value=value, source=source, field=name)
