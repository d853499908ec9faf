# ruff: noqa: E501  (the templates are text whose lines are what the customer sees)
"""The embedded drafter's default texts, installed by a data migration; admins edit them in admin.

Template variables (every value comes from a retrieved fact and is cited when shown):
  orders[]: number, status, status_code, reference, ordered_at, requested_delivery_date, total, address,
            lines[] (sku, name, quantity, delivered), shipments[] (as below)
  shipments[]: carrier, service, tracking_number, status, status_code, eta, shipped_at, delivered_at,
            note, packages, order_number
  products[]: sku, name, unit, available, requested, enough, restock_date,
            warehouses[] (warehouse, available, restock_date, restock_quantity), prices[] (min_quantity, unit_price)
  quote: table, breaks[], total, valid_until (only for quote requests)
  invoices[]: number, order_number, issued_on, due_on, amount, vat_amount, status, status_code
  knowledge[]: title, body
  missing (facts could not be fetched), not_found, short, formal (from a regenerate instruction)
Greeting, closing and signature come from the language's brand voice; notes about missing facts are
added by the drafter itself.
"""

from __future__ import annotations

BRAND_VOICES = {
    "sv": {
        "greeting": "Hej{% if name %} {{ name }}{% endif %}!",
        "formal_greeting": "Bästa {% if name %}{{ name }}{% else %}kund{% endif %},",
        "closing": "Vänliga hälsningar",
        "formal_closing": "Med vänliga hälsningar",
        "signature": "{{ team }}",
    },
    "en": {
        "greeting": "Hi{% if name %} {{ name }}{% endif %},",
        "formal_greeting": "Dear {% if name %}{{ name }}{% else %}customer{% endif %},",
        "closing": "Best regards,",
        "formal_closing": "Yours sincerely,",
        "signature": "{{ team }}",
    },
}

_ORDER_SV = """{% for order in orders %}Order {{ order.number }}{% if order.reference %} ({{ order.reference }}){% endif %} är {{ order.status }}.{% for s in order.shipments %} Sändningen med {{ s.carrier }} (sändningsnummer {{ s.tracking_number }}) är {{ s.status }}{% if s.note %}: {{ s.note }}{% endif %}.{% if s.delivered_at %} Den levererades {{ s.delivered_at }}.{% elif s.eta %} Beräknad leverans är {{ s.eta }}.{% endif %}{% empty %}{% if order.requested_delivery_date %} Önskat leveransdatum är {{ order.requested_delivery_date }}.{% endif %}{% endfor %}
{% if not short %}{% for line in order.lines %}- {{ line.quantity }} × {{ line.name }} ({{ line.sku }})
{% endfor %}{% endif %}
{% empty %}{% if not missing %}Vi hittar ingen öppen order på ert kundnummer just nu. Skicka gärna ordernumret så kontrollerar vi direkt.{% endif %}
{% endfor %}{% for s in shipments %}Sändning {{ s.tracking_number }} ({{ s.carrier }}, order {{ s.order_number }}) är {{ s.status }}{% if s.note %}: {{ s.note }}{% endif %}.{% if s.delivered_at %} Den levererades {{ s.delivered_at }}.{% elif s.eta %} Beräknad leverans är {{ s.eta }}.{% endif %}
{% endfor %}"""

_ORDER_EN = """{% for order in orders %}Order {{ order.number }}{% if order.reference %} ({{ order.reference }}){% endif %} is {{ order.status }}.{% for s in order.shipments %} The shipment with {{ s.carrier }} (tracking number {{ s.tracking_number }}) is {{ s.status }}{% if s.note %}: {{ s.note }}{% endif %}.{% if s.delivered_at %} It was delivered on {{ s.delivered_at }}.{% elif s.eta %} The estimated delivery date is {{ s.eta }}.{% endif %}{% empty %}{% if order.requested_delivery_date %} The requested delivery date is {{ order.requested_delivery_date }}.{% endif %}{% endfor %}
{% if not short %}{% for line in order.lines %}- {{ line.quantity }} × {{ line.name }} ({{ line.sku }})
{% endfor %}{% endif %}
{% empty %}{% if not missing %}We cannot find an open order on your account right now. If you send us the order number, we will check it straight away.{% endif %}
{% endfor %}{% for s in shipments %}Shipment {{ s.tracking_number }} ({{ s.carrier }}, order {{ s.order_number }}) is {{ s.status }}{% if s.note %}: {{ s.note }}{% endif %}.{% if s.delivered_at %} It was delivered on {{ s.delivered_at }}.{% elif s.eta %} The estimated delivery date is {{ s.eta }}.{% endif %}
{% endfor %}"""

_ETA_SV = "Tack för att du hör av dig om leveransen.\n\n" + _ORDER_SV
_ETA_EN = "Thank you for asking about your delivery.\n\n" + _ORDER_EN

_STOCK_SV = """{% for p in products %}{{ p.name }} ({{ p.sku }}): {% if p.available %}vi har {{ p.available }} {{ p.unit }} i lager just nu{% else %}tyvärr slut i lager just nu{% endif %}{% if p.requested %}{% if p.enough %}, så de {{ p.requested }} {{ p.unit }} ni frågar efter kan levereras från lager{% else %}, så vi kan inte leverera alla {{ p.requested }} {{ p.unit }} direkt från lager{% endif %}{% endif %}.{% if p.restock_date %} Nästa inleverans väntas {{ p.restock_date }}.{% endif %}
{% if not short %}{% for w in p.warehouses %}- {{ w.warehouse }}: {{ w.available }} {{ p.unit }}{% if w.restock_date %}, inleverans {{ w.restock_date }} ({{ w.restock_quantity }} {{ p.unit }}){% endif %}
{% endfor %}{% endif %}
{% empty %}{% if not missing and not not_found %}Vilken artikel gäller det? Skicka gärna artikelnumret så kontrollerar vi lagersaldot.{% endif %}
{% endfor %}"""

_STOCK_EN = """{% for p in products %}{{ p.name }} ({{ p.sku }}): {% if p.available %}we have {{ p.available }} {{ p.unit }} in stock right now{% else %}unfortunately out of stock right now{% endif %}{% if p.requested %}{% if p.enough %}, so the {{ p.requested }} {{ p.unit }} you ask for can be delivered from stock{% else %}, so we cannot deliver all {{ p.requested }} {{ p.unit }} from stock straight away{% endif %}{% endif %}.{% if p.restock_date %} The next delivery to our warehouse is expected on {{ p.restock_date }}.{% endif %}
{% if not short %}{% for w in p.warehouses %}- {{ w.warehouse }}: {{ w.available }} {{ p.unit }}{% if w.restock_date %}, restock {{ w.restock_date }} ({{ w.restock_quantity }} {{ p.unit }}){% endif %}
{% endfor %}{% endif %}
{% empty %}{% if not missing and not not_found %}Which item do you mean? If you send us the item number, we will check the stock.{% endif %}
{% endfor %}"""

_QUOTE_SV = """{% if quote %}Tack för er förfrågan. Här är vår offert:

{{ quote.table }}

{% if not short %}{% for line in quote.breaks %}{{ line }}
{% endfor %}
{% endif %}Totalt {{ quote.total }} exklusive moms.{% if quote.valid_until %} Priserna gäller till och med {{ quote.valid_until }}.{% endif %}
{% for p in products %}{% if p.requested and not p.enough %}
Observera: av {{ p.sku }} har vi {{ p.available }} {{ p.unit }} i lager just nu{% if p.restock_date %}, nästa inleverans {{ p.restock_date }}{% endif %}.{% endif %}{% endfor %}{% elif not missing and not not_found %}Tack för er förfrågan. Vilka artiklar och antal gäller det? Skicka gärna artikelnummer och antal så återkommer vi med en offert.{% endif %}"""

_QUOTE_EN = """{% if quote %}Thank you for your enquiry. Here is our quote:

{{ quote.table }}

{% if not short %}{% for line in quote.breaks %}{{ line }}
{% endfor %}
{% endif %}Total {{ quote.total }} excluding VAT.{% if quote.valid_until %} Prices are valid until {{ quote.valid_until }}.{% endif %}
{% for p in products %}{% if p.requested and not p.enough %}
Please note: we have {{ p.available }} {{ p.unit }} of {{ p.sku }} in stock right now{% if p.restock_date %}, next restock {{ p.restock_date }}{% endif %}.{% endif %}{% endfor %}{% elif not missing and not not_found %}Thank you for your enquiry. Which items and quantities do you need? Send us the item numbers and quantities and we will come back with a quote.{% endif %}"""

_INVOICE_SV = """{% for inv in invoices %}Faktura {{ inv.number }}{% if inv.order_number %} (order {{ inv.order_number }}){% endif %} är daterad {{ inv.issued_on }} och förfaller {{ inv.due_on }}. Beloppet är {{ inv.amount }}, varav moms {{ inv.vat_amount }}. Status: {{ inv.status }}.
Vi skickar en kopia av fakturan till dig.
{% empty %}{% if not missing and not not_found %}Vilken faktura gäller det? Skicka gärna fakturanumret så skickar vi en kopia.{% endif %}
{% endfor %}"""

_INVOICE_EN = """{% for inv in invoices %}Invoice {{ inv.number }}{% if inv.order_number %} (order {{ inv.order_number }}){% endif %} is dated {{ inv.issued_on }} and due on {{ inv.due_on }}. The amount is {{ inv.amount }}, including VAT of {{ inv.vat_amount }}. Status: {{ inv.status }}.
We will send you a copy of the invoice.
{% empty %}{% if not missing and not not_found %}Which invoice do you mean? If you send us the invoice number, we will send you a copy.{% endif %}
{% endfor %}"""

_RETURN_SV = """Vi beklagar verkligen att det inte blev som det skulle.
{% for order in orders %}Vi har tittat på order {{ order.number }}{% if order.reference %} ({{ order.reference }}){% endif %}, som är {{ order.status }}{% for s in order.shipments %}{% if s.delivered_at %} (levererad {{ s.delivered_at }}){% endif %}{% endfor %}.
{% endfor %}{% if not short %}{% for article in knowledge %}
{{ article.body }}
{% endfor %}{% endif %}
Vi utreder ärendet och återkommer till dig. Skicka gärna bilder på det som är fel, så går det fortare."""

_RETURN_EN = """We are sorry that this did not go as it should.
{% for order in orders %}We have looked at order {{ order.number }}{% if order.reference %} ({{ order.reference }}){% endif %}, which is {{ order.status }}{% for s in order.shipments %}{% if s.delivered_at %} (delivered on {{ s.delivered_at }}){% endif %}{% endfor %}.
{% endfor %}{% if not short %}{% for article in knowledge %}
{{ article.body }}
{% endfor %}{% endif %}
We are looking into it and will come back to you. Photos of what is wrong help us resolve it faster."""

_ADDRESS_SV = """{% for order in orders %}{% if order.status_code == "shipped" or order.status_code == "delivered" %}Order {{ order.number }} är redan {{ order.status }}, så leveransadressen kan inte längre ändras i ordern. Vi kontaktar transportören och återkommer om vad som går att göra.{% else %}Order {{ order.number }} är {{ order.status }}. Vi ändrar leveransadressen och bekräftar när ändringen är gjord. Nuvarande leveransadress: {{ order.address }}.{% endif %}
{% empty %}{% if not missing %}Vilken order gäller det? Skicka gärna ordernumret och den nya adressen.{% endif %}
{% endfor %}{% if not short %}{% for article in knowledge %}
{{ article.body }}
{% endfor %}{% endif %}"""

_ADDRESS_EN = """{% for order in orders %}{% if order.status_code == "shipped" or order.status_code == "delivered" %}Order {{ order.number }} is already {{ order.status }}, so its delivery address can no longer be changed in the order. We will contact the carrier and let you know what is possible.{% else %}Order {{ order.number }} is {{ order.status }}. We will change the delivery address and confirm once it is done. Current delivery address: {{ order.address }}.{% endif %}
{% empty %}{% if not missing %}Which order do you mean? Please send us the order number and the new address.{% endif %}
{% endfor %}{% if not short %}{% for article in knowledge %}
{{ article.body }}
{% endfor %}{% endif %}"""

_OTHER_SV = """Tack för ditt meddelande.
{% for article in knowledge %}
{{ article.body }}
{% empty %}
Vi tittar på ditt ärende och återkommer så snart vi kan.
{% endfor %}"""

_OTHER_EN = """Thank you for your message.
{% for article in knowledge %}
{{ article.body }}
{% empty %}
We are looking into your question and will come back to you as soon as we can.
{% endfor %}"""

TEMPLATES = {
    ("order_status", "sv"): _ORDER_SV,
    ("order_status", "en"): _ORDER_EN,
    ("delivery_eta", "sv"): _ETA_SV,
    ("delivery_eta", "en"): _ETA_EN,
    ("stock", "sv"): _STOCK_SV,
    ("stock", "en"): _STOCK_EN,
    ("quote", "sv"): _QUOTE_SV,
    ("quote", "en"): _QUOTE_EN,
    ("invoice_copy", "sv"): _INVOICE_SV,
    ("invoice_copy", "en"): _INVOICE_EN,
    ("return_complaint", "sv"): _RETURN_SV,
    ("return_complaint", "en"): _RETURN_EN,
    ("address_change", "sv"): _ADDRESS_SV,
    ("address_change", "en"): _ADDRESS_EN,
    ("other", "sv"): _OTHER_SV,
    ("other", "en"): _OTHER_EN,
}

SUBJECT = "Re: {{ subject }}"

# Demo knowledge articles, created by ``seed_demo`` (a real installation writes its own).
DEMO_ARTICLES = [
    {
        "title": "Reklamation och retur",
        "language": "sv",
        "intents": ["return_complaint"],
        "keywords": "reklamation, retur, skadad, skadat, krossad, trasig, fel vara",
        "body": "Skadat gods ska reklameras inom 8 dagar från leverans. Vi ersätter eller krediterar "
        "skadade varor efter att vi har fått bilder på skadan och fraktsedeln.",
    },
    {
        "title": "Returns and complaints",
        "language": "en",
        "intents": ["return_complaint"],
        "keywords": "return, complaint, damaged, broken, wrong item",
        "body": "Damaged goods must be reported within 8 days of delivery. We replace or credit damaged "
        "items once we have received photos of the damage and the waybill.",
    },
    {
        "title": "Leveransvillkor",
        "language": "sv",
        "intents": ["address_change"],
        "keywords": "leveransvillkor, frakt, fraktfritt, leveranstid, leveransadress",
        "body": "Vi levererar inom Sverige på 1–3 arbetsdagar från lager. Leveransadressen kan ändras "
        "fram till att ordern har skickats.",
    },
    {
        "title": "Delivery terms",
        "language": "en",
        "intents": ["address_change"],
        "keywords": "delivery terms, shipping, freight, lead time, delivery address",
        "body": "We deliver within Sweden in 1–3 working days from stock and to Norway, Denmark and "
        "Finland in 2–5 working days. The delivery address can be changed until the order has shipped.",
    },
    {
        "title": "Öppettider",
        "language": "sv",
        "intents": [],
        "keywords": "öppettider, öppet, telefontid, ringa",
        "body": "Kundservice har öppet vardagar 08.00–16.30.",
    },
    {
        "title": "Opening hours",
        "language": "en",
        "intents": [],
        "keywords": "opening hours, open, phone, call",
        "body": "Customer service is open on weekdays 08:00–16:30 (CET).",
    },
]
