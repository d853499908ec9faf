# ruff: noqa: E501  (the templates are text whose lines are what the customer sees)
"""German replies: the default templates per intent, the brand voice and the words the drafter uses."""

from __future__ import annotations

_ORDERS = """{% for order in orders %}Der Auftrag {{ order.number }}{% if order.reference %} ({{ order.reference }}){% endif %} ist {{ order.status }}.{% for s in order.shipments %} Die Sendung mit {{ s.carrier }} (Sendungsnummer {{ s.tracking_number }}) ist {{ s.status }}{% if s.note %}: {{ s.note }}{% endif %}.{% if s.delivered_at %} Sie wurde am {{ s.delivered_at }} zugestellt.{% elif s.eta %} Die voraussichtliche Lieferung ist am {{ s.eta }}.{% endif %}{% if long and s.shipped_at %} Sie hat unser Lager am {{ s.shipped_at }} verlassen ({{ s.packages }} Packstücke).{% endif %}{% empty %}{% if order.requested_delivery_date %} Der gewünschte Liefertermin ist der {{ order.requested_delivery_date }}.{% endif %}{% endfor %}{% if long %} Er wurde am {{ order.ordered_at }} bestellt, Lieferadresse: {{ order.address }}.{% endif %}
{% for line in order.lines %}{% if line.restock_date or not short %}- {{ line.quantity }} × {{ line.name }} ({{ line.sku }}){% if line.restock_date %}: im Rückstand, voraussichtlich wieder auf Lager am {{ line.restock_date }}{% endif %}
{% endif %}{% endfor %}
{% empty %}{% if not shipments and not noted %}Wir finden derzeit keinen offenen Auftrag zu Ihrer Kundennummer. Wenn Sie uns die Auftragsnummer senden, prüfen wir sie sofort.{% endif %}
{% endfor %}{% for s in shipments %}Die Sendung {{ s.tracking_number }} ({{ s.carrier }}, Auftrag {{ s.order_number }}) ist {{ s.status }}{% if s.note %}: {{ s.note }}{% endif %}.{% if s.delivered_at %} Sie wurde am {{ s.delivered_at }} zugestellt.{% elif s.eta %} Die voraussichtliche Lieferung ist am {{ s.eta }}.{% endif %}
{% endfor %}"""

_STOCK = """{% for p in products %}{{ p.name }} ({{ p.sku }}): {% if p.warehouse %}in unserem Lager {{ p.warehouse }} {% if p.available %}haben wir derzeit {{ p.available }} {{ p.unit }}{% else %}leider derzeit nicht vorrätig{% endif %}{% elif p.available %}wir haben derzeit {{ p.available }} {{ p.unit }} auf Lager{% else %}leider derzeit nicht auf Lager{% endif %}{% if p.requested %}{% if p.enough %}, die angefragten {{ p.requested }} {{ p.unit }} können also ab Lager geliefert werden{% else %}, wir können die {{ p.requested }} {{ p.unit }} also nicht sofort vollständig ab Lager liefern{% endif %}{% endif %}.{% if p.restock_date %} Der nächste Wareneingang {% if p.warehouse %}dort {% endif %}wird am {{ p.restock_date }} erwartet.{% endif %}
{% if not short and not p.warehouse %}{% for w in p.warehouses %}- {{ w.warehouse }}: {{ w.available }} {{ p.unit }}{% if w.restock_date %}, Wareneingang {{ w.restock_date }} ({{ w.restock_quantity }} {{ p.unit }}){% endif %}
{% endfor %}{% endif %}{% if long %}{% for price in p.prices %}- ab {{ price.min_quantity }} {{ p.unit }}: {{ price.unit_price }}
{% endfor %}{% endif %}
{% empty %}{% if not noted %}Um welchen Artikel geht es? Wenn Sie uns die Artikelnummer senden, prüfen wir den Lagerbestand.{% endif %}
{% endfor %}"""

_QUOTE = """{% if quote %}{% if not short %}Vielen Dank für Ihre Anfrage. {% endif %}Hier ist unser Angebot:

{{ quote.table }}

{% if not short %}{% for line in quote.breaks %}{{ line }}
{% endfor %}
{% endif %}Gesamt {{ quote.total }} zzgl. MwSt.{% if quote.valid_until %} Die Preise gelten bis einschließlich {{ quote.valid_until }}.{% endif %}
{% for p in products %}{% if p.requested and not p.enough %}
Bitte beachten Sie: Von {{ p.sku }} haben wir derzeit {{ p.available }} {{ p.unit }} auf Lager{% if p.restock_date %}, nächster Wareneingang {{ p.restock_date }}{% endif %}.{% endif %}{% endfor %}{% elif not noted %}Vielen Dank für Ihre Anfrage. Um welche Artikel und Mengen geht es? Senden Sie uns Artikelnummern und Mengen, dann erhalten Sie ein Angebot.{% endif %}"""

_INVOICE = """{% for inv in invoices %}Die Rechnung {{ inv.number }}{% if inv.order_number %} (Auftrag {{ inv.order_number }}){% endif %} ist vom {{ inv.issued_on }} und fällig am {{ inv.due_on }}. Der Betrag beträgt {{ inv.amount }}, davon MwSt. {{ inv.vat_amount }}. Status: {{ inv.status }}.
{% if inv.attached %}Eine Kopie der Rechnung ist beigefügt.{% else %}Eine Kopie der Rechnung folgt in einer separaten E-Mail.{% endif %}
{% empty %}{% if not not_invoiced and not noted %}Um welche Rechnung geht es? Wenn Sie uns die Rechnungsnummer senden, schicken wir Ihnen eine Kopie.{% endif %}
{% endfor %}{% for order in not_invoiced %}Der Auftrag {{ order.number }} ist noch nicht berechnet (er ist {{ order.status }}). Wir senden Ihnen die Rechnung, sobald sie ausgestellt ist.
{% endfor %}"""

_PAYMENT = """{% for inv in invoices %}{% if inv.status_code == "paid" %}Die Rechnung {{ inv.number }}{% if inv.order_number %} (Auftrag {{ inv.order_number }}){% endif %} ist {{ inv.status }}. Vielen Dank!{% elif inv.status_code == "credited" %}Die Rechnung {{ inv.number }} ist {{ inv.status }}, es ist also nichts zu zahlen.{% else %}Die Rechnung {{ inv.number }}{% if inv.order_number %} (Auftrag {{ inv.order_number }}){% endif %} über {{ inv.amount }} ist {{ inv.status }} und {% if inv.status_code == "overdue" %}war{% else %}ist{% endif %} am {{ inv.due_on }} fällig. Wir haben noch keinen Zahlungseingang dafür verbucht.{% endif %}
{% empty %}{% if not not_invoiced and not noted %}Um welche Rechnung geht es? Wenn Sie uns die Rechnungsnummer senden, prüfen wir die Zahlung.{% endif %}
{% endfor %}{% for order in not_invoiced %}Der Auftrag {{ order.number }} ist noch nicht berechnet, es ist also noch nichts dafür zu zahlen.
{% endfor %}"""

_CANCELLATION = """{% for order in orders %}{% if order.status_code == "cancelled" %}Der Auftrag {{ order.number }} ist bereits {{ order.status }}.{% elif order.status_code == "shipped" or order.status_code == "delivered" %}Der Auftrag {{ order.number }} ist bereits {{ order.status }} und kann daher nicht mehr storniert werden. {% if order.status_code == "shipped" %}Nach der Zustellung können Sie{% else %}Sie können{% endif %} die Ware gemäß unseren Rückgabebedingungen zurücksenden; wir helfen Ihnen gern dabei.{% elif order.status_code == "picking" %}Der Auftrag {{ order.number }} ist gerade {{ order.status }}. Wir versuchen, ihn anzuhalten, und teilen Ihnen mit, ob die Stornierung geklappt hat.{% else %}Der Auftrag {{ order.number }} ist {{ order.status }} und kann noch storniert werden. Wir stornieren ihn und bestätigen Ihnen die Stornierung.{% endif %}
{% empty %}{% if not noted %}Welchen Auftrag möchten Sie stornieren? Bitte senden Sie uns die Auftragsnummer.{% endif %}
{% endfor %}"""

_ADDRESS = """{% for order in orders %}{% if order.status_code == "shipped" or order.status_code == "delivered" %}Der Auftrag {{ order.number }} ist bereits {{ order.status }}, die Lieferadresse kann im Auftrag also nicht mehr geändert werden. Wir kontaktieren den Spediteur und teilen Ihnen mit, was möglich ist.{% else %}Der Auftrag {{ order.number }} ist {{ order.status }}. Wir ändern die Lieferadresse und bestätigen Ihnen die Änderung. Aktuelle Lieferadresse: {{ order.address }}.{% endif %}
{% empty %}{% if not noted %}Um welchen Auftrag geht es? Bitte senden Sie uns die Auftragsnummer und die neue Adresse.{% endif %}
{% endfor %}{% if not short %}{% for article in knowledge %}
{{ article.body }}
{% endfor %}{% endif %}"""

_COMPLAINT = """Es tut uns sehr leid, dass nicht alles so gelaufen ist, wie es sollte.
{% for order in orders %}Wir haben uns den Auftrag {{ order.number }}{% if order.reference %} ({{ order.reference }}){% endif %} angesehen, der {{ order.status }} ist{% for s in order.shipments %}{% if s.delivered_at %} (zugestellt am {{ s.delivered_at }}){% endif %}{% endfor %}.
{% endfor %}{% if not short %}{% for article in knowledge %}
{{ article.body }}
{% endfor %}{% endif %}
Als nächsten Schritt senden Sie uns bitte als Antwort auf diese E-Mail Fotos des Schadens und den Frachtbrief. Wir prüfen den Fall und melden uns bei Ihnen."""

_RETURN = """Vielen Dank für Ihre Nachricht zur Rücksendung.
{% for order in orders %}Der Auftrag {{ order.number }}{% if order.reference %} ({{ order.reference }}){% endif %} ist {{ order.status }}{% for s in order.shipments %}{% if s.delivered_at %} (zugestellt am {{ s.delivered_at }}){% endif %}{% endfor %}.
{% endfor %}{% if not short %}{% for article in knowledge %}
{{ article.body }}
{% endfor %}{% endif %}
Bitte teilen Sie uns mit, welche Artikel und Mengen Sie zurücksenden möchten, dann senden wir Ihnen die Rücksendeanleitung."""

_LEGAL = """{% if first %}Vielen Dank für Ihre Nachricht. Es tut uns leid, dass Sie nicht zufrieden sind.
{% endif %}{% for order in orders %}Wir haben uns den Auftrag {{ order.number }}{% if order.reference %} ({{ order.reference }}){% endif %} angesehen, der {{ order.status }} ist.
{% endfor %}
Ihre Nachricht wurde an die zuständige Leitung weitergegeben, die sie prüft und sich bei Ihnen meldet."""

_OTHER = """Vielen Dank für Ihre Nachricht.
{% for order in orders %}Der Auftrag {{ order.number }}{% if order.reference %} ({{ order.reference }}){% endif %} ist {{ order.status }}.
{% endfor %}{% for article in knowledge %}
{{ article.body }}
{% empty %}
Wir sehen uns Ihr Anliegen an und melden uns so bald wie möglich bei Ihnen.
{% endfor %}"""

TEMPLATES = {
    "order_status": _ORDERS,
    "delivery_eta": "{% if not short %}Vielen Dank für Ihre Anfrage zur Lieferung.\n\n{% endif %}" + _ORDERS,
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
    "greeting": "Hallo{% if name %} {{ name }}{% endif %},",
    "formal_greeting": "{% if name %}Guten Tag {{ name }},{% else %}Sehr geehrte Damen und Herren,{% endif %}",
    "closing": "Viele Grüße",
    "formal_closing": "Mit freundlichen Grüßen",
    "signature": "{{ team }}",
}

WORDS = {
    "order status": {
        "received": "eingegangen",
        "confirmed": "bestätigt",
        "picking": "in der Kommissionierung",
        "shipped": "versandt",
        "delivered": "zugestellt",
        "backordered": "im Rückstand",
        "cancelled": "storniert",
    },
    "shipment status": {
        "booked": "beim Spediteur gebucht",
        "picked_up": "vom Spediteur abgeholt",
        "in_transit": "unterwegs",
        "out_for_delivery": "in der Zustellung",
        "delivered": "zugestellt",
        "exception": "verspätet",
    },
    "invoice status": {
        "open": "offen",
        "paid": "bezahlt",
        "overdue": "überfällig",
        "credited": "gutgeschrieben",
    },
    "unit": {"pcs": "Stück", "roll": "Rollen", "pallet": "Paletten"},
    "record": {
        "order": "Auftrag %(key)s",
        "invoice": "Rechnung %(key)s",
        "product": "Artikel %(key)s",
        "shipment": "Sendung %(key)s",
        "customer": "Ihr Kundenkonto",
        "recent orders": "Ihre letzten Aufträge",
    },
    "and": "%(items)s und %(last)s",
    "quote": {
        "headers": ["Artikel", "Bezeichnung", "Menge", "Stückpreis", "Betrag"],
        "step": "ab %(quantity)s: %(price)s",
        "breaks": "Staffelpreise für %(sku)s: %(steps)s",
    },
    "note": {
        "unavailable": "Wir können %(things)s gerade nicht abrufen und melden uns, sobald wir es geprüft haben.",
        "not_found": "Wir finden %(things)s nicht in unserem System. Könnten Sie die Nummer prüfen und uns antworten?",
        "withheld": "Wir sehen uns Ihre Frage zu %(things)s an und melden uns bei Ihnen.",
        "near_miss": "Wir finden %(typed)s nicht. Meinten Sie %(suggestion)s? Bitte bestätigen Sie kurz, dann prüfen wir es sofort.",
        "friendly": "Melden Sie sich gern, wenn wir Ihnen noch anderweitig helfen können!",
    },
}
