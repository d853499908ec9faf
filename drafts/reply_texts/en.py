# ruff: noqa: E501  (the templates are text whose lines are what the customer sees)
"""English replies: the default templates per intent, the brand voice and the words the drafter uses."""

from __future__ import annotations

_ORDERS = """{% for order in orders %}Order {{ order.number }}{% if order.reference %} ({{ order.reference }}){% endif %} is {{ order.status }}.{% for s in order.shipments %} The shipment with {{ s.carrier }} (tracking number {{ s.tracking_number }}) is {{ s.status }}{% if s.note %}: {{ s.note }}{% endif %}.{% if s.delivered_at %} It was delivered on {{ s.delivered_at }}.{% elif s.eta %} The estimated delivery date is {{ s.eta }}.{% endif %}{% if long and s.shipped_at %} It left our warehouse on {{ s.shipped_at }} ({{ s.packages }} packages).{% endif %}{% empty %}{% if order.requested_delivery_date %} The requested delivery date is {{ order.requested_delivery_date }}.{% endif %}{% endfor %}{% if long %} It was ordered on {{ order.ordered_at }} for delivery to {{ order.address }}.{% endif %}
{% for line in order.lines %}{% if line.restock_date or not short %}- {{ line.quantity }} × {{ line.name }} ({{ line.sku }}){% if line.restock_date %}: backordered, expected in stock on {{ line.restock_date }}{% endif %}
{% endif %}{% endfor %}
{% empty %}{% if not shipments and not noted %}We cannot find an open order on your account right now. If you send us the order number, we will check it straight away.{% endif %}
{% endfor %}{% for s in shipments %}Shipment {{ s.tracking_number }} ({{ s.carrier }}, order {{ s.order_number }}) is {{ s.status }}{% if s.note %}: {{ s.note }}{% endif %}.{% if s.delivered_at %} It was delivered on {{ s.delivered_at }}.{% elif s.eta %} The estimated delivery date is {{ s.eta }}.{% endif %}
{% endfor %}"""

_STOCK = """{% for p in products %}{{ p.name }} ({{ p.sku }}): {% if p.warehouse %}in our {{ p.warehouse }} warehouse {% endif %}{% if p.available %}we have {{ p.available }} {{ p.unit }} in stock right now{% else %}unfortunately out of stock right now{% endif %}{% if p.requested %}{% if p.enough %}, so the {{ p.requested }} {{ p.unit }} you ask for can be delivered from stock{% else %}, so we cannot deliver all {{ p.requested }} {{ p.unit }} from stock straight away{% endif %}{% endif %}.{% if p.restock_date %} The next delivery to {% if p.warehouse %}that{% else %}our{% endif %} warehouse is expected on {{ p.restock_date }}.{% endif %}
{% if not short and not p.warehouse %}{% for w in p.warehouses %}- {{ w.warehouse }}: {{ w.available }} {{ p.unit }}{% if w.restock_date %}, restock {{ w.restock_date }} ({{ w.restock_quantity }} {{ p.unit }}){% endif %}
{% endfor %}{% endif %}{% if long %}{% for price in p.prices %}- from {{ price.min_quantity }} {{ p.unit }}: {{ price.unit_price }}
{% endfor %}{% endif %}
{% empty %}{% if not noted %}Which item do you mean? If you send us the item number, we will check the stock.{% endif %}
{% endfor %}"""

_QUOTE = """{% if quote %}{% if not short %}Thank you for your enquiry. {% endif %}Here is our quote:

{{ quote.table }}

{% if not short %}{% for line in quote.breaks %}{{ line }}
{% endfor %}
{% endif %}Total {{ quote.total }} excluding VAT.{% if quote.valid_until %} Prices are valid until {{ quote.valid_until }}.{% endif %}
{% for p in products %}{% if p.requested and not p.enough %}
Please note: we have {{ p.available }} {{ p.unit }} of {{ p.sku }} in stock right now{% if p.restock_date %}, next restock {{ p.restock_date }}{% endif %}.{% endif %}{% endfor %}{% elif not noted %}Thank you for your enquiry. Which items and quantities do you need? Send us the item numbers and quantities and we will come back with a quote.{% endif %}"""

_INVOICE = """{% for inv in invoices %}Invoice {{ inv.number }}{% if inv.order_number %} (order {{ inv.order_number }}){% endif %} is dated {{ inv.issued_on }} and due on {{ inv.due_on }}. The amount is {{ inv.amount }}, including VAT of {{ inv.vat_amount }}. Status: {{ inv.status }}.
{% if inv.attached %}A copy of the invoice is attached.{% else %}A copy of the invoice will follow in a separate email.{% endif %}
{% empty %}{% if not not_invoiced and not noted %}Which invoice do you mean? If you send us the invoice number, we will send you a copy.{% endif %}
{% endfor %}{% for order in not_invoiced %}Order {{ order.number }} has not been invoiced yet (it is {{ order.status }}). We will send you the invoice as soon as it has been issued.
{% endfor %}"""

_PAYMENT = """{% for inv in invoices %}{% if inv.status_code == "paid" %}Invoice {{ inv.number }}{% if inv.order_number %} (order {{ inv.order_number }}){% endif %} is {{ inv.status }}. Thank you!{% elif inv.status_code == "credited" %}Invoice {{ inv.number }} is {{ inv.status }}, so there is nothing to pay.{% else %}Invoice {{ inv.number }}{% if inv.order_number %} (order {{ inv.order_number }}){% endif %} of {{ inv.amount }} is {{ inv.status }} and {% if inv.status_code == "overdue" %}was{% else %}is{% endif %} due on {{ inv.due_on }}. We have not registered a payment for it yet.{% endif %}
{% empty %}{% if not not_invoiced and not noted %}Which invoice do you mean? If you send us the invoice number, we will check the payment.{% endif %}
{% endfor %}{% for order in not_invoiced %}Order {{ order.number }} has not been invoiced yet, so there is nothing to pay for it yet.
{% endfor %}"""

_CANCELLATION = """{% for order in orders %}{% if order.status_code == "cancelled" %}Order {{ order.number }} is already {{ order.status }}.{% elif order.status_code == "shipped" or order.status_code == "delivered" %}Order {{ order.number }} is already {{ order.status }}, so it can no longer be cancelled. {% if order.status_code == "shipped" %}Once it has arrived, you{% else %}You{% endif %} can return the goods under our return terms, and we will help you with that.{% elif order.status_code == "picking" %}Order {{ order.number }} is {{ order.status }} right now. We will try to stop it and let you know whether the cancellation went through.{% else %}Order {{ order.number }} is {{ order.status }} and can still be cancelled. We will cancel it and confirm once it is done.{% endif %}
{% empty %}{% if not noted %}Which order would you like to cancel? Please send us the order number.{% endif %}
{% endfor %}"""

_ADDRESS = """{% for order in orders %}{% if order.status_code == "shipped" or order.status_code == "delivered" %}Order {{ order.number }} is already {{ order.status }}, so its delivery address can no longer be changed in the order. We will contact the carrier and let you know what is possible.{% else %}Order {{ order.number }} is {{ order.status }}. We will change the delivery address and confirm once it is done. Current delivery address: {{ order.address }}.{% endif %}
{% empty %}{% if not noted %}Which order do you mean? Please send us the order number and the new address.{% endif %}
{% endfor %}{% if not short %}{% for article in knowledge %}
{{ article.body }}
{% endfor %}{% endif %}"""

_COMPLAINT = """We are sorry that this did not go as it should.
{% for order in orders %}We have looked at order {{ order.number }}{% if order.reference %} ({{ order.reference }}){% endif %}, which is {{ order.status }}{% for s in order.shipments %}{% if s.delivered_at %} (delivered on {{ s.delivered_at }}){% endif %}{% endfor %}.
{% endfor %}{% if not short %}{% for article in knowledge %}
{{ article.body }}
{% endfor %}{% endif %}
As a next step, please send us photos of what is wrong and the waybill by replying to this email. We are looking into it and will come back to you."""

_RETURN = """Thank you for your message about a return.
{% for order in orders %}Order {{ order.number }}{% if order.reference %} ({{ order.reference }}){% endif %} is {{ order.status }}{% for s in order.shipments %}{% if s.delivered_at %} (delivered on {{ s.delivered_at }}){% endif %}{% endfor %}.
{% endfor %}{% if not short %}{% for article in knowledge %}
{{ article.body }}
{% endfor %}{% endif %}
Please tell us which items and quantities you would like to return, and we will send you the return instructions."""

_LEGAL = """{% if first %}Thank you for your message. We are sorry that you are not satisfied.
{% endif %}{% for order in orders %}We have looked at order {{ order.number }}{% if order.reference %} ({{ order.reference }}){% endif %}, which is {{ order.status }}.
{% endfor %}
Your message has been passed on to the manager responsible, who will review it and come back to you."""

_OTHER = """Thank you for your message.
{% for order in orders %}Order {{ order.number }}{% if order.reference %} ({{ order.reference }}){% endif %} is {{ order.status }}.
{% endfor %}{% for article in knowledge %}
{{ article.body }}
{% empty %}
We are looking into your question and will come back to you as soon as we can.
{% endfor %}"""

TEMPLATES = {
    "order_status": _ORDERS,
    "delivery_eta": "{% if not short %}Thank you for asking about your delivery.\n\n{% endif %}" + _ORDERS,
    "stock": _STOCK,
    "quote": _QUOTE,
    "invoice_copy": _INVOICE,
    "payment": _PAYMENT,
    "cancellation": _CANCELLATION,
    "address_change": _ADDRESS,
    "return_complaint": _COMPLAINT,
    "return_request": _RETURN,
    "legal_claim": _LEGAL,
    "other": _OTHER,
}

BRAND_VOICE = {
    "greeting": "Hi{% if name %} {{ name }}{% endif %},",
    "formal_greeting": "Dear {% if name %}{{ name }}{% else %}customer{% endif %},",
    "closing": "Best regards,",
    "formal_closing": "Yours sincerely,",
    "signature": "{{ team }}",
}

WORDS = {
    "order status": {
        "received": "received",
        "confirmed": "confirmed",
        "picking": "being picked",
        "shipped": "shipped",
        "delivered": "delivered",
        "backordered": "backordered",
        "cancelled": "cancelled",
    },
    "shipment status": {
        "booked": "booked with the carrier",
        "picked_up": "picked up by the carrier",
        "in_transit": "on its way",
        "out_for_delivery": "out for delivery",
        "delivered": "delivered",
        "exception": "delayed",
    },
    "invoice status": {"open": "open", "paid": "paid", "overdue": "overdue", "credited": "credited"},
    "unit": {"pcs": "pcs", "roll": "rolls", "pallet": "pallets"},
    "record": {
        "order": "order %(key)s",
        "invoice": "invoice %(key)s",
        "product": "item %(key)s",
        "shipment": "shipment %(key)s",
        "customer": "your customer account",
        "recent orders": "your recent orders",
    },
    "and": "%(items)s and %(last)s",
    "quote": {
        "headers": ["Item", "Description", "Quantity", "Unit price", "Amount"],
        "step": "from %(quantity)s: %(price)s",
        "breaks": "Quantity prices for %(sku)s: %(steps)s",
    },
    "note": {
        "unavailable": "We cannot look up %(things)s right now and will come back to you as soon as we have checked.",
        "not_found": "We cannot find %(things)s in our system. Could you check the number and write back?",
        "withheld": "We are looking into your question about %(things)s and will come back to you.",
        "near_miss": "We cannot find %(typed)s. Did you mean %(suggestion)s? Please confirm and we will check it straight away.",
        "friendly": "Just let us know if there is anything else we can help with!",
    },
}
