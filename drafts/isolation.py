"""Data isolation: a draft states only records of the sender's own ERP customer. A rule of grounding.

Every order, shipment and invoice a draft could use is checked against the sender's customer, whatever
key reached it (an order, invoice or tracking number, a number in the quoted history, a model's tool
call). A record of another customer, a record whose owner cannot be established, and every customer
record when the ERP does not know the sender are *withheld*: their facts leave the grounding (so no
drafter can render or cite them, and an edit that types them in is not verified), the reply says
neutrally that we look into it, and the record is kept for a supervisor with the reason.

Products (names, stock, list prices) belong to no customer and are never withheld.

Also here: near misses, a number one keystroke away from one of the sender's own ("100626" for
"100266"), offered back as a question rather than guessed.
"""

from __future__ import annotations

from typing import Any

from rapidfuzz.distance import OSA

from drafts.grounding import Grounding, Lookups, record_facts
from integrations import serialize
from integrations.base import Invoice, Order, Record, Shipment

# Why a record is withheld; each is also the ``kind`` of the problem the draft shows.
OTHER_CUSTOMER = "other_customer"
UNKNOWN_SENDER = "unknown_sender"
UNKNOWN_OWNER = "unknown_owner"
WITHHELD_KINDS = (OTHER_CUSTOMER, UNKNOWN_SENDER, UNKNOWN_OWNER)
# An unknown sender asks about customer records without naming one: nothing to withhold, but the same
# question for a supervisor (who is this?).
UNKNOWN_SENDER_ASKS = "unknown_sender_asks"
NEAR_MISS = "near_miss"
# A SKU not found that misses a catalogue SKU by one keystroke: a question as a near miss is, but about
# a product, which belongs to nobody (an unknown number, not one close to the customer's own).
SIMILAR_PRODUCT = "similar_product"
NEAR_MISS_KINDS = (NEAR_MISS, SIMILAR_PRODUCT)

_WHAT = {Order: "order", Invoice: "invoice", Shipment: "shipment"}


def is_customer_record(record: object) -> bool:
    return isinstance(record, Order | Invoice | Shipment)


def record_key(record: Record) -> str:
    return str(record.tracking_number if isinstance(record, Shipment) else getattr(record, "number", ""))


def owner_of(lookups: Lookups, record: Record) -> str | None:
    """The ERP customer number of ``record``; None when it cannot be established. A shipment's owner
    is its order's: asked of the connector when the shipment does not say."""
    if isinstance(record, Order | Invoice):
        return record.customer_number or None
    if not isinstance(record, Shipment):
        return None
    if record.customer_number:
        return record.customer_number
    grounding = lookups.grounding
    known = [o for o in (*grounding.orders, *grounding.recent_orders) if o.number == record.order_number]
    if known:
        return known[0].customer_number
    if not record.order_number:
        return None
    order = lookups.call(
        "order",
        record.order_number,
        lambda: lookups.connector.get_order(record.order_number),
        report_not_found=False,
    )
    return order.customer_number if order is not None else None


def withhold_reason(lookups: Lookups, record: Record) -> str:
    """Why ``record`` must not be shown to the sender, or ``""`` when it is the sender's own."""
    if not is_customer_record(record):
        return ""
    customer = lookups.grounding.customer
    if customer is None:
        return UNKNOWN_SENDER
    owner = owner_of(lookups, record)
    if owner is None:
        return UNKNOWN_OWNER
    return "" if owner == customer.number else OTHER_CUSTOMER


def admit(lookups: Lookups, record: Record) -> bool:
    """Check one record before anything may use it; a withheld one is recorded (its facts removed)."""
    reason = withhold_reason(lookups, record)
    if reason:
        withhold(lookups.grounding, record, reason, owner=_owner_or_blank(lookups, record, reason))
    return not reason


def isolate(lookups: Lookups) -> None:
    """Withhold every order, shipment and invoice of the grounding that is not the sender's."""
    grounding = lookups.grounding
    grounding.orders = [order for order in grounding.orders if admit(lookups, order)]
    grounding.shipments = [shipment for shipment in grounding.shipments if admit(lookups, shipment)]
    grounding.invoices = [invoice for invoice in grounding.invoices if admit(lookups, invoice)]


def unknown_sender_asks(grounding: Grounding) -> None:
    """Called for a mail that asks about customer records (``ground.RECORD_INTENTS``): a sender the ERP
    does not know who names none ("copies of all our open invoices", from a look-alike of a
    customer's domain) is reported as such, so a supervisor checks who they are before anyone
    answers, as when a named record is withheld from them. Not when the ERP could not be asked (then
    nobody knows); questions about products, prices or anything else any sender may ask."""
    if grounding.customer is not None:
        return
    if any(p["kind"] in (UNKNOWN_SENDER, "unavailable", "misconfigured") for p in grounding.problems):
        return  # a named record was withheld already, or the customer could not be looked up
    grounding.problems.append({"kind": UNKNOWN_SENDER_ASKS, "what": "", "key": ""})


def withhold(grounding: Grounding, record: Record, reason: str, *, owner: str = "") -> None:
    """Take ``record``'s facts out of the grounding, keep it for a supervisor, and report the problem."""
    what, key = _WHAT.get(type(record), type(record).__name__.lower()), record_key(record)
    ids = {fact.id for fact in record_facts(record)}
    for fact_id in ids:
        grounding.facts.pop(fact_id, None)
    if any(item["what"] == what and item["key"] == key for item in grounding.withheld):
        return
    grounding.withheld.append(
        {
            "what": what,
            "key": key,
            "reason": reason,
            "owner": owner,
            "record": serialize.record_to_dict(record),
        }
    )
    problem = {"kind": reason, "what": what, "key": key}
    if problem not in grounding.problems:
        grounding.problems.append(problem)


def _owner_or_blank(lookups: Lookups, record: Record, reason: str) -> str:
    if reason != OTHER_CUSTOMER:
        return ""
    return owner_of(lookups, record) or ""


# Near misses -----------------------------------------------------------------------------------
def near_miss(key: str, own: list[str]) -> str:
    """The one number of ``own`` that ``key`` misses by one keystroke (a wrong, missing, extra or
    swapped character), or ``""`` when none or several do."""
    if key in own:
        return ""
    close = [number for number in dict.fromkeys(own) if number and OSA.distance(key, number) == 1]
    return close[0] if len(close) == 1 else ""


def offer_near_misses(grounding: Grounding) -> None:
    """Turn an order or tracking number that is not found, or another customer's, into a question
    when it misses one of the sender's own by one keystroke."""
    if grounding.customer is None:
        return
    own_orders = {order.number: order for order in grounding.recent_orders}
    own_shipments = {s.tracking_number: s for order in grounding.recent_orders for s in order.shipments}
    records: dict[str, dict[str, Order | Shipment]] = {"order": own_orders, "shipment": own_shipments}  # type: ignore[dict-item]
    candidates = {what: list(numbers) for what, numbers in records.items()}
    for problem in list(grounding.problems):
        what = problem.get("what", "")
        if problem.get("kind") not in {"not_found", OTHER_CUSTOMER} or what not in candidates:
            continue
        suggestion = near_miss(str(problem.get("key", "")), candidates[what])
        if not suggestion:
            continue
        if problem["kind"] == "not_found":
            grounding.problems.remove(problem)
        grounding.problems.append(
            {"kind": NEAR_MISS, "what": what, "key": problem["key"], "suggestion": suggestion}
        )
        # The suggested number is the sender's own: a fact the question may state.
        key_field = "number" if what == "order" else "tracking_number"
        for fact in records[what][suggestion].facts():
            if fact.field == key_field:
                grounding.add_fact(fact)


def withheld_summary(withheld: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a supervisor sees of each withheld record: what, key, why, whose, and its plain fields."""
    return [
        {
            "what": item.get("what", ""),
            "key": item.get("key", ""),
            "reason": item.get("reason", ""),
            "owner": item.get("owner", ""),
            "fields": [
                (name.replace("_", " "), value)
                for name, value in (item.get("record") or {}).items()
                if name != "source" and not isinstance(value, list) and value not in ("", None)
            ],
        }
        for item in withheld
    ]
