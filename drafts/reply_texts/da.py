# ruff: noqa: E501  (the templates are text whose lines are what the customer sees)
"""Danish replies: the default templates per intent, the brand voice and the words the drafter uses."""

from __future__ import annotations

_ORDERS = """{% for order in orders %}Ordre {{ order.number }}{% if order.reference %} ({{ order.reference }}){% endif %} er {{ order.status }}.{% for s in order.shipments %} Forsendelsen med {{ s.carrier }} (forsendelsesnummer {{ s.tracking_number }}) er {{ s.status }}{% if s.note %}: {{ s.note }}{% endif %}.{% if s.delivered_at %} Den blev leveret {{ s.delivered_at }}.{% elif s.eta %} Forventet levering er {{ s.eta }}.{% endif %}{% if long and s.shipped_at %} Den forlod vores lager {{ s.shipped_at }} ({{ s.packages }} kolli).{% endif %}{% empty %}{% if order.requested_delivery_date %} Ønsket leveringsdato er {{ order.requested_delivery_date }}.{% endif %}{% endfor %}{% if long %} Den blev bestilt {{ order.ordered_at }} med levering til {{ order.address }}.{% endif %}
{% for line in order.lines %}{% if line.restock_date or not short %}- {{ line.quantity }} × {{ line.name }} ({{ line.sku }}){% if line.restock_date %}: i restordre, forventes på lager {{ line.restock_date }}{% endif %}
{% endif %}{% endfor %}
{% empty %}{% if not shipments and not noted %}Vi kan ikke finde en åben ordre på jeres kundenummer lige nu. Send os gerne ordrenummeret, så tjekker vi det med det samme.{% endif %}
{% endfor %}{% for s in shipments %}Forsendelse {{ s.tracking_number }} ({{ s.carrier }}, ordre {{ s.order_number }}) er {{ s.status }}{% if s.note %}: {{ s.note }}{% endif %}.{% if s.delivered_at %} Den blev leveret {{ s.delivered_at }}.{% elif s.eta %} Forventet levering er {{ s.eta }}.{% endif %}
{% endfor %}"""

_STOCK = """{% for p in products %}{{ p.name }} ({{ p.sku }}): {% if p.warehouse %}på vores lager i {{ p.warehouse }} {% if p.available %}har vi {{ p.available }} {{ p.unit }} lige nu{% else %}er den desværre udsolgt lige nu{% endif %}{% elif p.available %}vi har {{ p.available }} {{ p.unit }} på lager lige nu{% else %}desværre udsolgt lige nu{% endif %}{% if p.requested %}{% if p.enough %}, så de {{ p.requested }} {{ p.unit }}, I spørger efter, kan leveres fra lager{% else %}, så vi kan ikke levere alle {{ p.requested }} {{ p.unit }} fra lager med det samme{% endif %}{% endif %}.{% if p.restock_date %} Næste varemodtagelse {% if p.warehouse %}dér {% endif %}forventes {{ p.restock_date }}.{% endif %}
{% if not short and not p.warehouse %}{% for w in p.warehouses %}- {{ w.warehouse }}: {{ w.available }} {{ p.unit }}{% if w.restock_date %}, varemodtagelse {{ w.restock_date }} ({{ w.restock_quantity }} {{ p.unit }}){% endif %}
{% endfor %}{% endif %}{% if long %}{% for price in p.prices %}- fra {{ price.min_quantity }} {{ p.unit }}: {{ price.unit_price }}
{% endfor %}{% endif %}
{% empty %}{% if not noted %}Hvilken vare drejer det sig om? Send os gerne varenummeret, så tjekker vi lagerbeholdningen.{% endif %}
{% endfor %}"""

_QUOTE = """{% if quote %}{% if not short %}Tak for jeres forespørgsel. {% endif %}Her er vores tilbud:

{{ quote.table }}

{% if not short %}{% for line in quote.breaks %}{{ line }}
{% endfor %}
{% endif %}I alt {{ quote.total }} ekskl. moms.{% if quote.valid_until %} Priserne gælder til og med {{ quote.valid_until }}.{% endif %}
{% for p in products %}{% if p.requested and not p.enough %}
Bemærk: af {{ p.sku }} har vi {{ p.available }} {{ p.unit }} på lager lige nu{% if p.restock_date %}, næste varemodtagelse {{ p.restock_date }}{% endif %}.{% endif %}{% endfor %}{% elif not noted %}Tak for jeres forespørgsel. Hvilke varer og antal drejer det sig om? Send os varenumre og antal, så vender vi tilbage med et tilbud.{% endif %}"""

_INVOICE = """{% for inv in invoices %}Faktura {{ inv.number }}{% if inv.order_number %} (ordre {{ inv.order_number }}){% endif %} er dateret {{ inv.issued_on }} og forfalder {{ inv.due_on }}. Beløbet er {{ inv.amount }}, heraf moms {{ inv.vat_amount }}. Status: {{ inv.status }}.
{% if inv.attached %}En kopi af fakturaen er vedhæftet.{% else %}En kopi af fakturaen følger i en separat e-mail.{% endif %}
{% empty %}{% if not not_invoiced and not noted %}Hvilken faktura drejer det sig om? Send os gerne fakturanummeret, så sender vi en kopi.{% endif %}
{% endfor %}{% for order in not_invoiced %}Ordre {{ order.number }} er ikke faktureret endnu (den er {{ order.status }}). Vi sender fakturaen, så snart den er udstedt.
{% endfor %}"""

_PAYMENT = """{% for inv in invoices %}{% if inv.status_code == "paid" %}Faktura {{ inv.number }}{% if inv.order_number %} (ordre {{ inv.order_number }}){% endif %} er {{ inv.status }}. Tak!{% elif inv.status_code == "credited" %}Faktura {{ inv.number }} er {{ inv.status }}, så der er intet at betale.{% else %}Faktura {{ inv.number }}{% if inv.order_number %} (ordre {{ inv.order_number }}){% endif %} på {{ inv.amount }} er {{ inv.status }} og {% if inv.status_code == "overdue" %}forfaldt{% else %}forfalder{% endif %} {{ inv.due_on }}. Vi har ikke registreret en betaling for den endnu.{% endif %}
{% empty %}{% if not not_invoiced and not noted %}Hvilken faktura drejer det sig om? Send os gerne fakturanummeret, så tjekker vi betalingen.{% endif %}
{% endfor %}{% for order in not_invoiced %}Ordre {{ order.number }} er ikke faktureret endnu, så der er intet at betale for den endnu.
{% endfor %}"""

_CANCELLATION = """{% for order in orders %}{% if order.status_code == "cancelled" %}Ordre {{ order.number }} er allerede {{ order.status }}.{% elif order.status_code == "shipped" or order.status_code == "delivered" %}Ordre {{ order.number }} er allerede {{ order.status }}, så den kan ikke længere annulleres. {% if order.status_code == "shipped" %}Når den er kommet frem, kan I{% else %}I kan{% endif %} returnere varerne efter vores returvilkår, og vi hjælper jer gerne med det.{% elif order.status_code == "picking" %}Ordre {{ order.number }} er {{ order.status }} lige nu. Vi prøver at stoppe den og giver jer besked, om annulleringen gik igennem.{% else %}Ordre {{ order.number }} er {{ order.status }} og kan stadig annulleres. Vi annullerer den og bekræfter, når det er gjort.{% endif %}
{% empty %}{% if not noted %}Hvilken ordre vil I annullere? Send os gerne ordrenummeret.{% endif %}
{% endfor %}"""

_ADDRESS = """{% for order in orders %}{% if order.status_code == "shipped" or order.status_code == "delivered" %}Ordre {{ order.number }} er allerede {{ order.status }}, så leveringsadressen kan ikke længere ændres i ordren. Vi kontakter transportøren og giver besked om, hvad der er muligt.{% else %}Ordre {{ order.number }} er {{ order.status }}. Vi ændrer leveringsadressen og bekræfter, når ændringen er gjort. Nuværende leveringsadresse: {{ order.address }}.{% endif %}
{% empty %}{% if not noted %}Hvilken ordre drejer det sig om? Send os gerne ordrenummeret og den nye adresse.{% endif %}
{% endfor %}{% if not short %}{% for article in knowledge %}
{{ article.body }}
{% endfor %}{% endif %}"""

_COMPLAINT = """Vi beklager virkelig, at det ikke gik, som det skulle.
{% for order in orders %}Vi har kigget på ordre {{ order.number }}{% if order.reference %} ({{ order.reference }}){% endif %}, som er {{ order.status }}{% for s in order.shipments %}{% if s.delivered_at %} (leveret {{ s.delivered_at }}){% endif %}{% endfor %}.
{% endfor %}{% if not short %}{% for article in knowledge %}
{{ article.body }}
{% endfor %}{% endif %}
Som næste skridt: svar gerne på denne e-mail med billeder af det, der er galt, og fragtbrevet. Vi undersøger sagen og vender tilbage til dig."""

_RETURN = """Tak for din besked om en returnering.
{% for order in orders %}Ordre {{ order.number }}{% if order.reference %} ({{ order.reference }}){% endif %} er {{ order.status }}{% for s in order.shipments %}{% if s.delivered_at %} (leveret {{ s.delivered_at }}){% endif %}{% endfor %}.
{% endfor %}{% if not short %}{% for article in knowledge %}
{{ article.body }}
{% endfor %}{% endif %}
Fortæl os gerne, hvilke varer og antal I vil returnere, så sender vi returvejledningen."""

_LEGAL = """{% if first %}Tak for din besked. Vi beklager, at I ikke er tilfredse.
{% endif %}{% for order in orders %}Vi har kigget på ordre {{ order.number }}{% if order.reference %} ({{ order.reference }}){% endif %}, som er {{ order.status }}.
{% endfor %}
Din besked er givet videre til den ansvarlige leder, som gennemgår den og vender tilbage til dig."""

_OTHER = """Tak for din besked.
{% for order in orders %}Ordre {{ order.number }}{% if order.reference %} ({{ order.reference }}){% endif %} er {{ order.status }}.
{% endfor %}{% for article in knowledge %}
{{ article.body }}
{% empty %}
Vi kigger på din henvendelse og vender tilbage til dig, så snart vi kan.
{% endfor %}"""

TEMPLATES = {
    "order_status": _ORDERS,
    "delivery_eta": "{% if not short %}Tak fordi du spørger til leveringen.\n\n{% endif %}" + _ORDERS,
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
    "formal_greeting": "Kære {% if name %}{{ name }}{% else %}kunde{% endif %},",
    "closing": "Venlig hilsen",
    "formal_closing": "Med venlig hilsen",
    "signature": "{{ team }}",
}

WORDS = {
    "order status": {
        "received": "modtaget",
        "confirmed": "bekræftet",
        "picking": "under plukning",
        "shipped": "afsendt",
        "delivered": "leveret",
        "backordered": "i restordre",
        "cancelled": "annulleret",
    },
    "shipment status": {
        "booked": "booket hos transportøren",
        "picked_up": "afhentet af transportøren",
        "in_transit": "på vej",
        "out_for_delivery": "ude til levering",
        "delivered": "leveret",
        "exception": "forsinket",
    },
    "invoice status": {"open": "ubetalt", "paid": "betalt", "overdue": "forfalden", "credited": "krediteret"},
    "unit": {"pcs": "stk.", "roll": "ruller", "pallet": "paller"},
    "record": {
        "order": "ordre %(key)s",
        "invoice": "faktura %(key)s",
        "product": "vare %(key)s",
        "shipment": "forsendelse %(key)s",
        "customer": "jeres kundekonto",
        "recent orders": "jeres seneste ordrer",
    },
    "and": "%(items)s og %(last)s",
    "quote": {
        "headers": ["Vare", "Beskrivelse", "Antal", "Stykpris", "Beløb"],
        "step": "fra %(quantity)s: %(price)s",
        "breaks": "Mængdepriser for %(sku)s: %(steps)s",
    },
    "note": {
        "unavailable": "Vi kan ikke slå %(things)s op lige nu og vender tilbage, så snart vi har tjekket det.",
        "not_found": "Vi kan ikke finde %(things)s i vores system. Vil du tjekke nummeret og skrive tilbage?",
        "withheld": "Vi kigger på dit spørgsmål om %(things)s og vender tilbage til dig.",
        "near_miss": "Vi kan ikke finde %(typed)s. Mente du %(suggestion)s? Bekræft gerne, så tjekker vi det med det samme.",
        "friendly": "Sig endelig til, hvis der er andet, vi kan hjælpe med!",
    },
}
