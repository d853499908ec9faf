"""Step 3 of drafting, offline: the embedded drafter.

It fills the admin's ``ReplyTemplate`` for the intent and language with values taken only from
retrieved facts. Every value in the template context is a ``Cited``: rendering it records its fact
ids, so the draft cites exactly the facts its text states. Quote requests get a quote table computed
from ERP price breaks and stock.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.template import Context, Engine
from django.utils import timezone, translation
from django.utils.translation import pgettext

from drafts.formatting import format_amount, format_date, format_decimal, format_int
from drafts.ground import Grounding, message_fact
from drafts.models import BrandVoice, ReplyTemplate
from drafts.understand import Understanding
from drafts.wording import (
    invoice_status_label,
    join_list,
    order_status_label,
    record_label,
    shipment_status_label,
    text_table,
    unit_label,
)
from helpdesk.models import Contact, Message, Ticket
from integrations.base import Fact, Order, Product, Shipment, SourceRef

DRAFTER = "embedded"
DRAFTER_VERSION = "1.0"
ENGINE = Engine(autoescape=False)
_SHORT = re.compile(r"\b(short|shorter|brief|concise|kort|kortare|kortfattad)\w*", re.IGNORECASE)
_FORMAL = re.compile(r"\b(formal|formell|formellt|formellare|more polite|artigare)\w*", re.IGNORECASE)
_CASUAL = re.compile(r"\b(friendl|casual|informal|vänlig|personlig|ledig)\w*", re.IGNORECASE)


class ComposeError(Exception):
    """The drafter could not produce a text (no template, a broken template)."""


class Cited:
    """A value shown in a reply; rendering it marks its facts as cited."""

    __slots__ = ("_ids", "_text", "_truthy", "_used")

    def __init__(self, text: str, fact_ids: list[str] | tuple[str, ...], used: set[str], truthy: bool = True):
        self._text = text
        self._ids = tuple(fact_ids)
        self._used = used
        self._truthy = truthy

    def __str__(self) -> str:
        self._used.update(self._ids)
        return self._text

    def __bool__(self) -> bool:
        return self._truthy

    def __eq__(self, other: object) -> bool:
        return self._text == (other._text if isinstance(other, Cited) else other)

    def __hash__(self) -> int:
        return hash(self._text)


@dataclass
class Style:
    short: bool = False
    formal: bool = False
    unsupported: str = ""

    @classmethod
    def from_instruction(cls, instruction: str) -> Style:
        style = cls(short=bool(_SHORT.search(instruction)), formal=bool(_FORMAL.search(instruction)))
        if _CASUAL.search(instruction):
            style.formal = False
        if instruction.strip() and not (style.short or style.formal or _CASUAL.search(instruction)):
            style.unsupported = instruction.strip()
        return style


@dataclass
class Composition:
    subject: str
    body: str
    cited: list[str]
    trusted_texts: list[str] = field(default_factory=list)
    extra_problems: list[dict[str, Any]] = field(default_factory=list)


def compose_embedded(
    *,
    ticket: Ticket,
    message: Message,
    understanding: Understanding,
    grounding: Grounding,
    instruction: str = "",
) -> Composition:
    language = understanding.language
    template, voice = load_template(intent=understanding.intent, language=language)
    style = Style.from_instruction(instruction)
    used: set[str] = set()
    with translation.override(language):
        builder = ContextBuilder(grounding=grounding, message=message, language=language, used=used)
        context = builder.build(understanding=understanding, style=style)
        names = reply_names(ticket.contact, voice, style, language)
        try:
            body = ENGINE.from_string(template.body).render(Context(context, autoescape=False))
            subject = ENGINE.from_string(template.subject).render(
                Context({"subject": _plain_subject(ticket.subject), "reference": ticket.reference})
            )
        except Exception as exc:  # an admin's template can fail in many ways; the draft shows how
            raise ComposeError(f"reply template {template} is broken: {exc}") from exc
        notes = builder.notes()
    parts = [names["greeting"], tidy(body), *notes, f"{names['closing']}\n{names['signature']}"]
    extra = [{"kind": "instruction_ignored", "detail": style.unsupported}] if style.unsupported else []
    return Composition(
        subject=_subject_line(subject, ticket),
        body="\n\n".join(part for part in parts if part.strip()),
        cited=sorted(used),
        # The notes are not trusted: the keys in them ("We cannot find order 999999") are the
        # customer's, unchecked or not found, and must be shown as theirs.
        trusted_texts=[template.body, template.subject, *names.values()],
        extra_problems=extra,
    )


def load_template(*, intent: str, language: str) -> tuple[ReplyTemplate, BrandVoice]:
    """The active template for the intent and language (else the language's ``other`` template)."""
    templates = {
        t.intent: t
        for t in ReplyTemplate.objects.filter(active=True, language=language, intent__in=[intent, "other"])
    }
    template = templates.get(intent) or templates.get("other")
    voice = BrandVoice.objects.filter(language=language).first()
    if template is None or voice is None:
        raise ComposeError(f"no active reply template or brand voice for {intent!r} in {language!r}")
    return template, voice


def tidy(text: str) -> str:
    """Strip trailing spaces and collapse the blank lines template tags leave behind."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def reply_names(contact: Contact, voice: BrandVoice, style: Style, language: str) -> dict[str, str]:
    first_name = (contact.name or "").split(" ")[0] if contact.name else ""
    context = Context({"name": first_name, "team": settings.HELPDESK_NAME}, autoescape=False)
    greeting = voice.formal_greeting if style.formal else voice.greeting
    closing = voice.formal_closing if style.formal else voice.closing
    try:
        return {
            "greeting": tidy(ENGINE.from_string(greeting).render(context)),
            "closing": tidy(ENGINE.from_string(closing).render(context)),
            "signature": tidy(ENGINE.from_string(voice.signature).render(context)),
        }
    except Exception as exc:  # as for templates: the draft fails with the reason
        raise ComposeError(f"brand voice {language!r} is broken: {exc}") from exc


def _plain_subject(subject: str) -> str:
    return re.sub(r"^\s*((re|sv|aw|vs|fw|fwd)\s*:\s*)+", "", subject, flags=re.IGNORECASE).strip()


def _subject_line(subject: str, ticket: Ticket) -> str:
    subject = " ".join(subject.split())
    if ticket.reference not in subject:
        subject = f"{subject} {ticket.reference}"
    return subject[:998]


class ContextBuilder:
    """Turns the grounding into template variables made only of ``Cited`` values."""

    def __init__(self, *, grounding: Grounding, message: Message, language: str, used: set[str]) -> None:
        self.g = grounding
        self.message = message
        self.language = language
        self.used = used

    # Values ---------------------------------------------------------------------------------------
    def cite(self, fact_ids: str | list[str], text: str, truthy: bool = True) -> Cited:
        ids = [fact_ids] if isinstance(fact_ids, str) else fact_ids
        return Cited(text, ids, self.used, truthy)

    def field(self, source: SourceRef, name: str, value: Any, *, currency: str = "") -> Cited:
        return self.cite(source.fact_id(name), self.show(value, currency=currency), truthy=bool(value))

    def show(self, value: Any, *, currency: str = "") -> str:
        if isinstance(value, dt.datetime):
            return format_date(timezone.localtime(value) if timezone.is_aware(value) else value)
        if isinstance(value, dt.date):
            return format_date(value)
        if isinstance(value, Decimal):
            return (
                format_amount(value, currency, self.language)
                if currency
                else format_decimal(value, self.language)
            )
        if isinstance(value, int) and not isinstance(value, bool):
            return format_int(value, self.language)
        return "" if value is None else str(value)

    def derived(self, key: str, name: str, label: str, value: Any) -> SourceRef:
        """A value computed from cited facts (sums, line totals); cited as the drafter's arithmetic."""
        source = SourceRef(system="drafts", record_type="quote", key=key, fetched_at=timezone.now())
        self.g.add_fact(Fact(id=source.fact_id(name), label=label, value=value, source=source, field=name))
        return source

    # Context --------------------------------------------------------------------------------------
    def build(self, *, understanding: Understanding, style: Style) -> dict[str, Any]:
        quantities = understanding.entities.quantities
        products = [self.product(p, quantities.get(p.sku)) for p in self.g.products]
        return {
            "orders": [self.order(order) for order in self.g.orders],
            "shipments": [self.shipment(s) for s in self.g.shipments],
            "products": products,
            "quote": self.quote(quantities) if understanding.intent == "quote" else None,
            "invoices": [self.invoice(invoice) for invoice in self.g.invoices],
            "knowledge": [
                {"title": a["title"], "body": self.cite(a["fact"].id, a["body"].strip())}
                for a in self.g.knowledge
            ],
            "missing": bool(self.g.missing("unavailable") or self.g.missing("misconfigured")),
            "not_found": bool(self.g.missing("not_found")),
            "short": style.short,
            "formal": style.formal,
        }

    def order(self, order: Order) -> dict[str, Any]:
        src = order.source
        return {
            "number": self.field(src, "number", order.number),
            "status": self.cite(src.fact_id("status"), order_status_label(order.status)),
            "status_code": order.status,
            "reference": self.field(src, "customer_reference", order.customer_reference),
            "ordered_at": self.field(src, "ordered_at", order.ordered_at),
            "requested_delivery_date": self.field(
                src, "requested_delivery_date", order.requested_delivery_date
            ),
            "total": self.field(src, "total", order.total, currency=order.currency),
            "address": self.field(src, "delivery_address", order.delivery_address),
            "lines": [
                {
                    "sku": self.field(line.source, "sku", line.sku),
                    "name": self.field(line.source, "description", line.description),
                    "quantity": self.field(line.source, "quantity", line.quantity),
                    "delivered": self.field(line.source, "delivered_quantity", line.delivered_quantity),
                }
                for line in order.lines
            ],
            "shipments": [self.shipment(s) for s in order.shipments],
        }

    def shipment(self, shipment: Shipment) -> dict[str, Any]:
        src = shipment.source
        return {
            "order_number": self.field(src, "order_number", shipment.order_number),
            "carrier": self.field(src, "carrier", shipment.carrier),
            "service": self.field(src, "service", shipment.service),
            "tracking_number": self.field(src, "tracking_number", shipment.tracking_number),
            "status": self.cite(src.fact_id("status"), shipment_status_label(shipment.status)),
            "status_code": shipment.status,
            "packages": self.field(src, "packages", shipment.packages),
            "shipped_at": self.field(src, "shipped_at", shipment.shipped_at),
            "eta": self.field(src, "eta", shipment.eta),
            "delivered_at": self.field(src, "delivered_at", shipment.delivered_at),
            "note": self.field(src, "status_note", shipment.status_note),
        }

    def product(self, product: Product, requested: int | None) -> dict[str, Any]:
        src = product.source
        available = sum(level.available for level in product.stock)
        total_src = self.derived(
            product.sku, "available_total", f"{product.sku} available (all warehouses)", available
        )
        restock = min(
            (s for s in product.stock if s.next_restock_date),
            key=lambda s: s.next_restock_date or dt.date.max,
            default=None,
        )
        data: dict[str, Any] = {
            "sku": self.field(src, "sku", product.sku),
            "name": self.field(
                src,
                "name_sv" if self.language == "sv" else "name",
                product.name_sv if self.language == "sv" else product.name,
            ),
            "unit": unit_label(product.unit, self.language),
            "available": self.cite(
                [
                    total_src.fact_id("available_total"),
                    *(s.source.fact_id("available") for s in product.stock),
                ],
                self.show(available),
                truthy=available > 0,
            ),
            "warehouses": [
                {
                    "warehouse": self.field(level.source, "warehouse", level.warehouse),
                    "available": self.field(level.source, "available", level.available),
                    "restock_date": self.field(level.source, "next_restock_date", level.next_restock_date),
                    "restock_quantity": self.field(
                        level.source, "next_restock_quantity", level.next_restock_quantity
                    ),
                }
                for level in product.stock
            ],
            "restock_date": self.field(restock.source, "next_restock_date", restock.next_restock_date)
            if restock
            else None,
            "prices": [
                {
                    "min_quantity": self.field(price.source, "min_quantity", price.min_quantity),
                    "unit_price": self.field(
                        price.source, "unit_price", price.unit_price, currency=price.currency
                    ),
                }
                for price in product.prices
            ],
            "requested": None,
            "enough": None,
        }
        if requested is not None:
            fact = message_fact(
                self.message, f"quantity:{product.sku}", requested, f"quantity of {product.sku} asked for"
            )
            self.g.add_fact(fact)
            data["requested"] = self.cite(fact.id, self.show(requested))
            data["enough"] = available >= requested
        return data

    def quote(self, quantities: dict[str, int]) -> dict[str, Any] | None:
        rows, breaks, ids, total, currency, validity = [], [], [], Decimal("0"), "", []
        for product in self.g.products:
            quantity = quantities.get(product.sku, 1)
            currency = currency or _currency_of(product)
            price = product.unit_price_for(quantity, currency)
            if price is None:
                continue
            line_total = price.unit_price * quantity
            total += line_total
            line_src = self.derived(
                product.sku, "line_total", f"{quantity} x {price.unit_price} {currency}", line_total
            )
            ids += [
                price.source.fact_id("unit_price"),
                price.source.fact_id("min_quantity"),
                line_src.fact_id("line_total"),
                product.source.fact_id("sku"),
            ]
            if product.sku in quantities:
                fact = message_fact(
                    self.message, f"quantity:{product.sku}", quantity, f"quantity of {product.sku} asked for"
                )
                self.g.add_fact(fact)
                ids.append(fact.id)
            if price.valid_until:
                validity.append((price.valid_until, price.source.fact_id("valid_until")))
            name = product.name_sv if self.language == "sv" else product.name
            rows.append(
                [
                    product.sku,
                    name,
                    f"{format_int(quantity, self.language)} {unit_label(product.unit, self.language)}",
                    format_amount(price.unit_price, currency, self.language),
                    format_amount(line_total, currency, self.language),
                ]
            )
            breaks.append(
                self.cite(
                    [p.source.fact_id(n) for p in product.prices for n in ("min_quantity", "unit_price")],
                    self.price_breaks(product, currency),
                )
            )
        if not rows:
            return None
        total_src = self.derived("total", "total", "quote total", total)
        headers = [
            pgettext("quote", "Item"),
            pgettext("quote", "Description"),
            pgettext("quote", "Quantity"),
            pgettext("quote", "Unit price"),
            pgettext("quote", "Amount"),
        ]
        valid_until = min(validity, default=None)
        return {
            "table": self.cite(ids, text_table([headers, *rows])),
            "breaks": breaks,
            "total": self.cite(total_src.fact_id("total"), format_amount(total, currency, self.language)),
            "valid_until": self.cite(valid_until[1], format_date(valid_until[0])) if valid_until else None,
        }

    def price_breaks(self, product: Product, currency: str) -> str:
        steps = ", ".join(
            pgettext("quote", "from %(quantity)s: %(price)s")
            % {
                "quantity": format_int(p.min_quantity, self.language),
                "price": format_amount(p.unit_price, currency, self.language),
            }
            for p in sorted(product.prices, key=lambda p: p.min_quantity)
            if p.currency == currency
        )
        return pgettext("quote", "Quantity prices for %(sku)s: %(steps)s") % {
            "sku": product.sku,
            "steps": steps,
        }

    def invoice(self, invoice: Any) -> dict[str, Any]:
        src = invoice.source
        return {
            "number": self.field(src, "number", invoice.number),
            "order_number": self.field(src, "order_number", invoice.order_number),
            "issued_on": self.field(src, "issued_on", invoice.issued_on),
            "due_on": self.field(src, "due_on", invoice.due_on),
            "amount": self.field(src, "amount", invoice.amount, currency=invoice.currency),
            "vat_amount": self.field(src, "vat_amount", invoice.vat_amount, currency=invoice.currency),
            "status": self.cite(src.fact_id("status"), invoice_status_label(invoice.status)),
            "status_code": invoice.status,
        }

    # Notes for what is missing -------------------------------------------------------------------
    def notes(self) -> list[str]:
        notes = []
        missing = self.g.missing("unavailable") + self.g.missing("misconfigured")
        if missing:
            notes.append(
                pgettext(
                    "reply",
                    "We cannot look up %(things)s right now and will come back to you as soon as we have "
                    "checked.",
                )
                % {"things": join_list(record_label(what, key) for what, key in missing)}
            )
        not_found = self.g.missing("not_found")
        if not_found:
            notes.append(
                pgettext(
                    "reply",
                    "We cannot find %(things)s in our system. Could you check the number and write back?",
                )
                % {"things": join_list(record_label(what, key) for what, key in not_found)}
            )
        return notes


def _currency_of(product: Product) -> str:
    currencies = [p.currency for p in product.prices]
    return "SEK" if "SEK" in currencies or not currencies else currencies[0]
