# ruff: noqa: E501  (the templates are text whose lines are what the customer sees)
"""Norwegian (bokmål) replies: the default templates per intent, the brand voice and the drafter's words."""

from __future__ import annotations

_ORDERS = """{% for order in orders %}Ordre {{ order.number }}{% if order.reference %} ({{ order.reference }}){% endif %} er {{ order.status }}.{% for s in order.shipments %} Sendingen med {{ s.carrier }} (sendingsnummer {{ s.tracking_number }}) er {{ s.status }}{% if s.note %}: {{ s.note }}{% endif %}.{% if s.delivered_at %} Den ble levert {{ s.delivered_at }}.{% elif s.eta %} Forventet levering er {{ s.eta }}.{% endif %}{% if long and s.shipped_at %} Den forlot lageret vårt {{ s.shipped_at }} ({{ s.packages }} kolli).{% endif %}{% empty %}{% if order.requested_delivery_date %} Ønsket leveringsdato er {{ order.requested_delivery_date }}.{% endif %}{% endfor %}{% if long %} Den ble bestilt {{ order.ordered_at }} med levering til {{ order.address }}.{% endif %}
{% for line in order.lines %}{% if line.restock_date or not short %}- {{ line.quantity }} × {{ line.name }} ({{ line.sku }}){% if line.restock_date %}: restordre, ventes på lager {{ line.restock_date }}{% endif %}
{% endif %}{% endfor %}
{% empty %}{% if not shipments and not noted %}Vi finner ingen åpen ordre på kundenummeret deres akkurat nå. Send oss gjerne ordrenummeret, så sjekker vi med en gang.{% endif %}
{% endfor %}{% for s in shipments %}Sending {{ s.tracking_number }} ({{ s.carrier }}, ordre {{ s.order_number }}) er {{ s.status }}{% if s.note %}: {{ s.note }}{% endif %}.{% if s.delivered_at %} Den ble levert {{ s.delivered_at }}.{% elif s.eta %} Forventet levering er {{ s.eta }}.{% endif %}
{% endfor %}"""

_STOCK = """{% for p in products %}{{ p.name }} ({{ p.sku }}): {% if p.warehouse %}på lageret vårt i {{ p.warehouse }} {% if p.available %}har vi {{ p.available }} {{ p.unit }} akkurat nå{% else %}er den dessverre utsolgt akkurat nå{% endif %}{% elif p.available %}vi har {{ p.available }} {{ p.unit }} på lager akkurat nå{% else %}dessverre utsolgt akkurat nå{% endif %}{% if p.requested %}{% if p.enough %}, så de {{ p.requested }} {{ p.unit }} dere spør etter kan leveres fra lager{% else %}, så vi kan ikke levere alle {{ p.requested }} {{ p.unit }} fra lager med en gang{% endif %}{% endif %}.{% if p.restock_date %} Neste varemottak {% if p.warehouse %}der {% endif %}ventes {{ p.restock_date }}.{% endif %}
{% if not short and not p.warehouse %}{% for w in p.warehouses %}- {{ w.warehouse }}: {{ w.available }} {{ p.unit }}{% if w.restock_date %}, varemottak {{ w.restock_date }} ({{ w.restock_quantity }} {{ p.unit }}){% endif %}
{% endfor %}{% endif %}{% if long %}{% for price in p.prices %}- fra {{ price.min_quantity }} {{ p.unit }}: {{ price.unit_price }}
{% endfor %}{% endif %}
{% empty %}{% if not noted %}Hvilken vare gjelder det? Send oss gjerne varenummeret, så sjekker vi lagerbeholdningen.{% endif %}
{% endfor %}"""

_QUOTE = """{% if quote %}{% if not short %}Takk for forespørselen. {% endif %}Her er vårt tilbud:

{{ quote.table }}

{% if not short %}{% for line in quote.breaks %}{{ line }}
{% endfor %}
{% endif %}Totalt {{ quote.total }} eksklusive mva.{% if quote.valid_until %} Prisene gjelder til og med {{ quote.valid_until }}.{% endif %}
{% for p in products %}{% if p.requested and not p.enough %}
Merk: av {{ p.sku }} har vi {{ p.available }} {{ p.unit }} på lager akkurat nå{% if p.restock_date %}, neste varemottak {{ p.restock_date }}{% endif %}.{% endif %}{% endfor %}{% elif not noted %}Takk for forespørselen. Hvilke varer og antall gjelder det? Send oss varenumre og antall, så kommer vi tilbake med et tilbud.{% endif %}"""

_INVOICE = """{% for inv in invoices %}Faktura {{ inv.number }}{% if inv.order_number %} (ordre {{ inv.order_number }}){% endif %} er datert {{ inv.issued_on }} og forfaller {{ inv.due_on }}. Beløpet er {{ inv.amount }}, hvorav mva {{ inv.vat_amount }}. Status: {{ inv.status }}.
{% if inv.attached %}En kopi av fakturaen er vedlagt.{% else %}En kopi av fakturaen kommer i en egen e-post.{% endif %}
{% empty %}{% if not not_invoiced and not noted %}Hvilken faktura gjelder det? Send oss gjerne fakturanummeret, så sender vi en kopi.{% endif %}
{% endfor %}{% for order in not_invoiced %}Ordre {{ order.number }} er ikke fakturert ennå (den er {{ order.status }}). Vi sender fakturaen så snart den er utstedt.
{% endfor %}"""

_PAYMENT = """{% for inv in invoices %}{% if inv.status_code == "paid" %}Faktura {{ inv.number }}{% if inv.order_number %} (ordre {{ inv.order_number }}){% endif %} er {{ inv.status }}. Takk!{% elif inv.status_code == "credited" %}Faktura {{ inv.number }} er {{ inv.status }}, så det er ingenting å betale.{% else %}Faktura {{ inv.number }}{% if inv.order_number %} (ordre {{ inv.order_number }}){% endif %} på {{ inv.amount }} er {{ inv.status }} og {% if inv.status_code == "overdue" %}forfalt{% else %}forfaller{% endif %} {{ inv.due_on }}. Vi har ikke registrert noen betaling for den ennå.{% endif %}
{% empty %}{% if not not_invoiced and not noted %}Hvilken faktura gjelder det? Send oss gjerne fakturanummeret, så sjekker vi betalingen.{% endif %}
{% endfor %}{% for order in not_invoiced %}Ordre {{ order.number }} er ikke fakturert ennå, så det er ingenting å betale for den ennå.
{% endfor %}"""

_CANCELLATION = """{% for order in orders %}{% if order.status_code == "cancelled" %}Ordre {{ order.number }} er allerede {{ order.status }}.{% elif order.status_code == "shipped" or order.status_code == "delivered" %}Ordre {{ order.number }} er allerede {{ order.status }}, så den kan ikke lenger kanselleres. {% if order.status_code == "shipped" %}Når den har kommet fram, kan dere{% else %}Dere kan{% endif %} returnere varene etter våre returvilkår, og vi hjelper dere gjerne med det.{% elif order.status_code == "picking" %}Ordre {{ order.number }} er {{ order.status }} akkurat nå. Vi prøver å stoppe den og gir dere beskjed om kanselleringen gikk gjennom.{% else %}Ordre {{ order.number }} er {{ order.status }} og kan fortsatt kanselleres. Vi kansellerer den og bekrefter når det er gjort.{% endif %}
{% empty %}{% if not noted %}Hvilken ordre vil dere kansellere? Send oss gjerne ordrenummeret.{% endif %}
{% endfor %}"""

_ADDRESS = """{% for order in orders %}{% if order.status_code == "shipped" or order.status_code == "delivered" %}Ordre {{ order.number }} er allerede {{ order.status }}, så leveringsadressen kan ikke lenger endres i ordren. Vi kontakter transportøren og gir beskjed om hva som er mulig.{% else %}Ordre {{ order.number }} er {{ order.status }}. Vi endrer leveringsadressen og bekrefter når endringen er gjort. Nåværende leveringsadresse: {{ order.address }}.{% endif %}
{% empty %}{% if not noted %}Hvilken ordre gjelder det? Send oss gjerne ordrenummeret og den nye adressen.{% endif %}
{% endfor %}{% if not short %}{% for article in knowledge %}
{{ article.body }}
{% endfor %}{% endif %}"""

_COMPLAINT = """Vi beklager virkelig at dette ikke gikk som det skulle.
{% for order in orders %}Vi har sett på ordre {{ order.number }}{% if order.reference %} ({{ order.reference }}){% endif %}, som er {{ order.status }}{% for s in order.shipments %}{% if s.delivered_at %} (levert {{ s.delivered_at }}){% endif %}{% endfor %}.
{% endfor %}{% if not short %}{% for article in knowledge %}
{{ article.body }}
{% endfor %}{% endif %}
Som neste steg: svar gjerne på denne e-posten med bilder av det som er feil og fraktbrevet. Vi undersøker saken og kommer tilbake til deg."""

_RETURN = """Takk for meldingen om en retur.
{% for order in orders %}Ordre {{ order.number }}{% if order.reference %} ({{ order.reference }}){% endif %} er {{ order.status }}{% for s in order.shipments %}{% if s.delivered_at %} (levert {{ s.delivered_at }}){% endif %}{% endfor %}.
{% endfor %}{% if not short %}{% for article in knowledge %}
{{ article.body }}
{% endfor %}{% endif %}
Fortell oss gjerne hvilke varer og antall dere vil returnere, så sender vi returinstruksjonene."""

_LEGAL = """{% if first %}Takk for meldingen. Vi beklager at dere ikke er fornøyde.
{% endif %}{% for order in orders %}Vi har sett på ordre {{ order.number }}{% if order.reference %} ({{ order.reference }}){% endif %}, som er {{ order.status }}.
{% endfor %}
Meldingen din er sendt videre til ansvarlig leder, som går gjennom den og kommer tilbake til deg."""

_OTHER = """Takk for meldingen.
{% for order in orders %}Ordre {{ order.number }}{% if order.reference %} ({{ order.reference }}){% endif %} er {{ order.status }}.
{% endfor %}{% for article in knowledge %}
{{ article.body }}
{% empty %}
Vi ser på henvendelsen din og kommer tilbake til deg så snart vi kan.
{% endfor %}"""

TEMPLATES = {
    "order_status": _ORDERS,
    "delivery_eta": "{% if not short %}Takk for at du tar kontakt om leveransen.\n\n{% endif %}" + _ORDERS,
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
    "greeting": "Hei{% if name %} {{ name }}{% endif %}!",
    "formal_greeting": "Kjære {% if name %}{{ name }}{% else %}kunde{% endif %},",
    "closing": "Vennlig hilsen",
    "formal_closing": "Med vennlig hilsen",
    "signature": "{{ team }}",
}

WORDS = {
    "order status": {
        "received": "mottatt",
        "confirmed": "bekreftet",
        "picking": "under plukking",
        "shipped": "sendt",
        "delivered": "levert",
        "backordered": "i restordre",
        "cancelled": "kansellert",
    },
    "shipment status": {
        "booked": "booket hos transportøren",
        "picked_up": "hentet av transportøren",
        "in_transit": "på vei",
        "out_for_delivery": "ute for utkjøring",
        "delivered": "levert",
        "exception": "forsinket",
    },
    "invoice status": {"open": "ubetalt", "paid": "betalt", "overdue": "forfalt", "credited": "kreditert"},
    "unit": {"pcs": "stk", "roll": "ruller", "pallet": "paller"},
    "record": {
        "order": "ordre %(key)s",
        "invoice": "faktura %(key)s",
        "product": "vare %(key)s",
        "shipment": "sending %(key)s",
        "customer": "kundekontoen deres",
        "recent orders": "de siste ordrene deres",
    },
    "and": "%(items)s og %(last)s",
    "quote": {
        "headers": ["Vare", "Beskrivelse", "Antall", "Enhetspris", "Beløp"],
        "step": "fra %(quantity)s: %(price)s",
        "breaks": "Mengdepriser for %(sku)s: %(steps)s",
    },
    "note": {
        "unavailable": "Vi kan ikke hente opplysninger om %(things)s akkurat nå og kommer tilbake så snart vi har sjekket.",
        "not_found": "Vi finner ikke %(things)s i systemet vårt. Kan du sjekke nummeret og svare oss?",
        "withheld": "Vi ser på spørsmålet ditt om %(things)s og kommer tilbake til deg.",
        "near_miss": "Vi finner ikke %(typed)s. Mente du %(suggestion)s? Bekreft gjerne, så sjekker vi med en gang.",
        "friendly": "Bare si fra om det er noe mer vi kan hjelpe med!",
    },
}
