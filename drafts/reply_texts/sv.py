# ruff: noqa: E501  (the templates are text whose lines are what the customer sees)
"""Swedish replies: the default templates per intent, the brand voice and the words the drafter uses."""

from __future__ import annotations

_ORDERS = """{% for order in orders %}Order {{ order.number }}{% if order.reference %} ({{ order.reference }}){% endif %} är {{ order.status }}.{% for s in order.shipments %} Sändningen med {{ s.carrier }} (sändningsnummer {{ s.tracking_number }}) är {{ s.status }}{% if s.note %}: {{ s.note }}{% endif %}.{% if s.delivered_at %} Den levererades {{ s.delivered_at }}.{% elif s.eta %} Beräknad leverans är {{ s.eta }}.{% endif %}{% if long and s.shipped_at %} Den lämnade vårt lager {{ s.shipped_at }} ({{ s.packages }} kolli).{% endif %}{% empty %}{% if order.requested_delivery_date %} Önskat leveransdatum är {{ order.requested_delivery_date }}.{% endif %}{% endfor %}{% if long %} Den beställdes {{ order.ordered_at }} med leverans till {{ order.address }}.{% endif %}
{% for line in order.lines %}{% if line.restock_date or not short %}- {{ line.quantity }} × {{ line.name }} ({{ line.sku }}){% if line.restock_date %}: restnoterad, väntas in i lager {{ line.restock_date }}{% endif %}
{% endif %}{% endfor %}
{% empty %}{% if not shipments and not noted %}Vi hittar ingen öppen order på ert kundnummer just nu. Skicka gärna ordernumret så kontrollerar vi direkt.{% endif %}
{% endfor %}{% for s in shipments %}Sändning {{ s.tracking_number }} ({{ s.carrier }}, order {{ s.order_number }}) är {{ s.status }}{% if s.note %}: {{ s.note }}{% endif %}.{% if s.delivered_at %} Den levererades {{ s.delivered_at }}.{% elif s.eta %} Beräknad leverans är {{ s.eta }}.{% endif %}
{% endfor %}"""

_STOCK = """{% for p in products %}{{ p.name }} ({{ p.sku }}): {% if p.warehouse %}i vårt lager i {{ p.warehouse }} {% if p.available %}har vi {{ p.available }} {{ p.unit }} just nu{% else %}är den tyvärr slut just nu{% endif %}{% elif p.available %}vi har {{ p.available }} {{ p.unit }} i lager just nu{% else %}tyvärr slut i lager just nu{% endif %}{% if p.requested %}{% if p.enough %}, så de {{ p.requested }} {{ p.unit }} ni frågar efter kan levereras från lager{% else %}, så vi kan inte leverera alla {{ p.requested }} {{ p.unit }} direkt från lager{% endif %}{% endif %}.{% if p.restock_date %} Nästa inleverans {% if p.warehouse %}dit {% endif %}väntas {{ p.restock_date }}.{% endif %}
{% if not short and not p.warehouse %}{% for w in p.warehouses %}- {{ w.warehouse }}: {{ w.available }} {{ p.unit }}{% if w.restock_date %}, inleverans {{ w.restock_date }} ({{ w.restock_quantity }} {{ p.unit }}){% endif %}
{% endfor %}{% endif %}{% if long %}{% for price in p.prices %}- från {{ price.min_quantity }} {{ p.unit }}: {{ price.unit_price }}
{% endfor %}{% endif %}
{% empty %}{% if not noted %}Vilken artikel gäller det? Skicka gärna artikelnumret så kontrollerar vi lagersaldot.{% endif %}
{% endfor %}"""

_QUOTE = """{% if quote %}{% if not short %}Tack för er förfrågan. {% endif %}Här är vår offert:

{{ quote.table }}

{% if not short %}{% for line in quote.breaks %}{{ line }}
{% endfor %}
{% endif %}Totalt {{ quote.total }} exklusive moms.{% if quote.valid_until %} Priserna gäller till och med {{ quote.valid_until }}.{% endif %}
{% for p in products %}{% if p.requested and not p.enough %}
Observera: av {{ p.sku }} har vi {{ p.available }} {{ p.unit }} i lager just nu{% if p.restock_date %}, nästa inleverans {{ p.restock_date }}{% endif %}.{% endif %}{% endfor %}{% elif not noted %}Tack för er förfrågan. Vilka artiklar och antal gäller det? Skicka gärna artikelnummer och antal så återkommer vi med en offert.{% endif %}"""

_INVOICE = """{% for inv in invoices %}Faktura {{ inv.number }}{% if inv.order_number %} (order {{ inv.order_number }}){% endif %} är daterad {{ inv.issued_on }} och förfaller {{ inv.due_on }}. Beloppet är {{ inv.amount }}, varav moms {{ inv.vat_amount }}. Status: {{ inv.status }}.
{% if inv.attached %}En kopia av fakturan finns bifogad.{% else %}En kopia av fakturan kommer i ett separat mejl.{% endif %}
{% empty %}{% if not not_invoiced and not noted %}Vilken faktura gäller det? Skicka gärna fakturanumret så skickar vi en kopia.{% endif %}
{% endfor %}{% for order in not_invoiced %}Order {{ order.number }} är inte fakturerad ännu (den är {{ order.status }}). Vi skickar fakturan så snart den är utfärdad.
{% endfor %}"""

_PAYMENT = """{% for inv in invoices %}{% if inv.status_code == "paid" %}Faktura {{ inv.number }}{% if inv.order_number %} (order {{ inv.order_number }}){% endif %} är {{ inv.status }}. Tack!{% elif inv.status_code == "credited" %}Faktura {{ inv.number }} är {{ inv.status }}, så det finns inget att betala.{% else %}Faktura {{ inv.number }}{% if inv.order_number %} (order {{ inv.order_number }}){% endif %} på {{ inv.amount }} är {{ inv.status }} och {% if inv.status_code == "overdue" %}förföll{% else %}förfaller{% endif %} {{ inv.due_on }}. Vi har inte registrerat någon betalning för den ännu.{% endif %}
{% empty %}{% if not not_invoiced and not noted %}Vilken faktura gäller det? Skicka gärna fakturanumret så kontrollerar vi betalningen.{% endif %}
{% endfor %}{% for order in not_invoiced %}Order {{ order.number }} är inte fakturerad ännu, så det finns inget att betala för den än.
{% endfor %}"""

_CANCELLATION = """{% for order in orders %}{% if order.status_code == "cancelled" %}Order {{ order.number }} är redan {{ order.status }}.{% elif order.status_code == "shipped" or order.status_code == "delivered" %}Order {{ order.number }} är redan {{ order.status }}, så den kan inte längre avbeställas. {% if order.status_code == "shipped" %}När den har kommit fram kan ni{% else %}Ni kan{% endif %} returnera varorna enligt våra returvillkor, och vi hjälper er gärna med det.{% elif order.status_code == "picking" %}Order {{ order.number }} är {{ order.status }} just nu. Vi försöker stoppa den och meddelar er om avbeställningen gick igenom.{% else %}Order {{ order.number }} är {{ order.status }} och kan fortfarande avbeställas. Vi avbeställer den och bekräftar när det är gjort.{% endif %}
{% empty %}{% if not noted %}Vilken order vill ni avbeställa? Skicka gärna ordernumret.{% endif %}
{% endfor %}"""

_ADDRESS = """{% for order in orders %}{% if order.status_code == "shipped" or order.status_code == "delivered" %}Order {{ order.number }} är redan {{ order.status }}, så leveransadressen kan inte längre ändras i ordern. Vi kontaktar transportören och återkommer om vad som går att göra.{% else %}Order {{ order.number }} är {{ order.status }}. Vi ändrar leveransadressen och bekräftar när ändringen är gjord. Nuvarande leveransadress: {{ order.address }}.{% endif %}
{% empty %}{% if not noted %}Vilken order gäller det? Skicka gärna ordernumret och den nya adressen.{% endif %}
{% endfor %}{% if not short %}{% for article in knowledge %}
{{ article.body }}
{% endfor %}{% endif %}"""

_COMPLAINT = """Vi beklagar verkligen att det inte blev som det skulle.
{% for order in orders %}Vi har tittat på order {{ order.number }}{% if order.reference %} ({{ order.reference }}){% endif %}, som är {{ order.status }}{% for s in order.shipments %}{% if s.delivered_at %} (levererad {{ s.delivered_at }}){% endif %}{% endfor %}.
{% endfor %}{% if not short %}{% for article in knowledge %}
{{ article.body }}
{% endfor %}{% endif %}
Som nästa steg: svara gärna på det här mejlet med bilder på det som är fel och fraktsedeln. Vi utreder ärendet och återkommer till dig."""

_RETURN = """Tack för ditt meddelande om en retur.
{% for order in orders %}Order {{ order.number }}{% if order.reference %} ({{ order.reference }}){% endif %} är {{ order.status }}{% for s in order.shipments %}{% if s.delivered_at %} (levererad {{ s.delivered_at }}){% endif %}{% endfor %}.
{% endfor %}{% if not short %}{% for article in knowledge %}
{{ article.body }}
{% endfor %}{% endif %}
Berätta gärna vilka artiklar och antal ni vill returnera, så skickar vi returinstruktionerna."""

_LEGAL = """{% if first %}Tack för ditt meddelande. Vi beklagar att ni inte är nöjda.
{% endif %}{% for order in orders %}Vi har tittat på order {{ order.number }}{% if order.reference %} ({{ order.reference }}){% endif %}, som är {{ order.status }}.
{% endfor %}
Ditt meddelande har lämnats vidare till ansvarig chef, som går igenom det och återkommer till dig."""

_OTHER = """Tack för ditt meddelande.
{% for order in orders %}Order {{ order.number }}{% if order.reference %} ({{ order.reference }}){% endif %} är {{ order.status }}.
{% endfor %}{% for article in knowledge %}
{{ article.body }}
{% empty %}
Vi tittar på ditt ärende och återkommer så snart vi kan.
{% endfor %}"""

TEMPLATES = {
    "order_status": _ORDERS,
    "delivery_eta": "{% if not short %}Tack för att du hör av dig om leveransen.\n\n{% endif %}" + _ORDERS,
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
    "greeting": "Hej{% if name %} {{ name }}{% endif %}!",
    "formal_greeting": "Bästa {% if name %}{{ name }}{% else %}kund{% endif %},",
    "closing": "Vänliga hälsningar",
    "formal_closing": "Med vänliga hälsningar",
    "signature": "{{ team }}",
}

WORDS = {
    "order status": {
        "received": "mottagen",
        "confirmed": "bekräftad",
        "picking": "under plockning",
        "shipped": "skickad",
        "delivered": "levererad",
        "backordered": "restnoterad",
        "cancelled": "makulerad",
    },
    "shipment status": {
        "booked": "bokad hos transportören",
        "picked_up": "hämtad av transportören",
        "in_transit": "på väg",
        "out_for_delivery": "ute för utkörning",
        "delivered": "levererad",
        "exception": "försenad",
    },
    "invoice status": {"open": "obetald", "paid": "betald", "overdue": "förfallen", "credited": "krediterad"},
    "unit": {"pcs": "st", "roll": "rullar", "pallet": "pallar"},
    "record": {
        "order": "order %(key)s",
        "invoice": "faktura %(key)s",
        "product": "artikel %(key)s",
        "shipment": "sändning %(key)s",
        "customer": "ert kundkonto",
        "recent orders": "era senaste ordrar",
    },
    "and": "%(items)s och %(last)s",
    "quote": {
        "headers": ["Artikel", "Benämning", "Antal", "À-pris", "Belopp"],
        "step": "från %(quantity)s: %(price)s",
        "breaks": "Mängdpriser för %(sku)s: %(steps)s",
    },
    "note": {
        "unavailable": "Vi kan inte hämta uppgifter om %(things)s just nu och återkommer så snart vi har kontrollerat dem.",
        "not_found": "Vi hittar inte %(things)s i vårt system. Kan du kontrollera numret och svara oss?",
        "withheld": "Vi tittar på din fråga om %(things)s och återkommer till dig.",
        "near_miss": "Vi hittar inte %(typed)s. Menade du %(suggestion)s? Bekräfta gärna, så kontrollerar vi direkt.",
        "friendly": "Hör gärna av dig om det är något mer vi kan hjälpa till med!",
    },
}
