"""The embedded drafter's default texts, installed by data migrations; admins edit them in admin.

The texts per language live in ``drafts.reply_texts`` (one module per language). Template variables
(every value comes from a retrieved fact and is cited when shown):
  orders[]: number, status, status_code, reference, ordered_at, requested_delivery_date, total, address,
            lines[] (sku, name, quantity, delivered, restock_date: only for backordered lines),
            shipments[] (as below)
  shipments[]: carrier, service, tracking_number, status, status_code, eta, shipped_at, delivered_at,
            note, packages, order_number (only shipments not already shown under their order)
  products[]: sku, name, unit, available, warehouse (when the customer named one), requested, enough,
            restock_date, warehouses[] (warehouse, available, restock_date, restock_quantity),
            prices[] (min_quantity, unit_price)
  quote: table, breaks[], total, valid_until (only for quote requests)
  invoices[]: number, order_number, issued_on, due_on, amount, vat_amount, status, status_code,
            attached (the connector provides the document; else the copy "will follow")
  not_invoiced[]: the orders asked about that have no invoice yet (number, status, ...)
  knowledge[]: title, body (articles whose intent matches the question)
  missing (facts could not be fetched), not_found, noted (the drafter adds a note: a number it cannot
  find, a record it withholds, a near miss), short, long, formal, friendly (a regenerate instruction)
Greeting, closing and signature come from the language's brand voice; notes about missing, unknown
and withheld records are added by the drafter itself.
"""

from __future__ import annotations

from drafts.reply_texts import brand_voices, templates

BRAND_VOICES = brand_voices()
TEMPLATES = templates()
SUBJECT = "Re: {{ subject }}"

# Demo knowledge articles, created by ``seed_demo`` (a real installation writes its own).
DEMO_ARTICLES = [
    {
        "title": "Reklamation och retur",
        "language": "sv",
        "intents": ["return_complaint", "return_request"],
        "keywords": "reklamation, retur, skadad, skadat, krossad, trasig, fel vara",
        "body": "Skadat gods ska reklameras inom 8 dagar från leverans. Vi ersätter eller krediterar "
        "skadade varor efter att vi har fått bilder på skadan och fraktsedeln.",
    },
    {
        "title": "Returns and complaints",
        "language": "en",
        "intents": ["return_complaint", "return_request"],
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
    {
        "title": "Reklamasjon og retur",
        "language": "nb",
        "intents": ["return_complaint", "return_request"],
        "keywords": "reklamasjon, retur, skadet, ødelagt, knust, feil vare",
        "body": "Skadet gods må reklameres innen 8 dager etter levering. Vi erstatter eller krediterer "
        "skadede varer når vi har fått bilder av skaden og fraktbrevet.",
    },
    {
        "title": "Åpningstider",
        "language": "nb",
        "intents": [],
        "keywords": "åpningstider, åpent, telefontid, ringe",
        "body": "Kundeservice har åpent hverdager 08.00–16.30.",
    },
    {
        "title": "Reklamation og returnering",
        "language": "da",
        "intents": ["return_complaint", "return_request"],
        "keywords": "reklamation, retur, beskadiget, ødelagt, knust, forkert vare",
        "body": "Beskadiget gods skal reklameres senest 8 dage efter levering. Vi erstatter eller "
        "krediterer beskadigede varer, når vi har modtaget billeder af skaden og fragtbrevet.",
    },
    {
        "title": "Åbningstider",
        "language": "da",
        "intents": [],
        "keywords": "åbningstider, åbent, telefontid, ringe",
        "body": "Kundeservice har åbent på hverdage kl. 8.00–16.30.",
    },
    {
        "title": "Reklamation und Rücksendung",
        "language": "de",
        "intents": ["return_complaint", "return_request"],
        "keywords": "reklamation, rücksendung, retoure, beschädigt, kaputt, defekt, falsche ware",
        "body": "Beschädigte Ware ist innerhalb von 8 Tagen nach Lieferung zu reklamieren. Wir ersetzen "
        "beschädigte Artikel oder schreiben sie gut, sobald uns Fotos des Schadens und der Frachtbrief "
        "vorliegen.",
    },
    {
        "title": "Öffnungszeiten",
        "language": "de",
        "intents": [],
        "keywords": "öffnungszeiten, geöffnet, telefonisch, erreichbar, anrufen",
        "body": "Unser Kundenservice ist werktags von 8:00 bis 16:30 Uhr (MEZ) erreichbar.",
    },
]
