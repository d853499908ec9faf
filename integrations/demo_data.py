"""The demo ERP data set: a Nordic wholesaler of packaging and warehouse supplies (Nordlager AB).

Dates are relative to the day of the first seed; seeding again changes nothing that exists.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from integrations.models import (
    ErpContactPerson,
    ErpCustomer,
    ErpInvoice,
    ErpOrder,
    ErpOrderLine,
    ErpPrice,
    ErpProduct,
    ErpShipment,
    ErpStock,
)

CUSTOMERS = [
    # number, name, email, language, street, postal code, city, country
    (
        "C10001",
        "Bergström Bygg AB",
        "inkop@bergstrom-bygg.se",
        "sv",
        "Hamngatan 12",
        "411 06",
        "Göteborg",
        "SE",
    ),
    ("C10002", "Fjord Trade AS", "logistics@fjordtrade.no", "nb", "Karl Johans gate 5", "0154", "Oslo", "NO"),
    (
        "C10003",
        "Malmö Emballage AB",
        "order@malmoemballage.se",
        "sv",
        "Industrigatan 4",
        "212 14",
        "Malmö",
        "SE",
    ),
    (
        "C10004",
        "Nordic Parts Oy",
        "purchasing@nordicparts.fi",
        "en",
        "Teollisuuskatu 21",
        "00510",
        "Helsinki",
        "FI",
    ),
    (
        "C10005",
        "Dansk Lagerservice ApS",
        "indkob@dansklager.dk",
        "da",
        "Vesterbrogade 80",
        "1620",
        "København",
        "DK",
    ),
    (
        "C10006",
        "Kiruna Gruvservice AB",
        "inkop@kirunagruvservice.se",
        "sv",
        "Lastvägen 3",
        "981 38",
        "Kiruna",
        "SE",
    ),
    (
        "C10007",
        "Hansa Verpackung GmbH",
        "einkauf@hansa-verpackung.de",
        "de",
        "Am Sandtorkai 41",
        "20457",
        "Hamburg",
        "DE",
    ),
]

CONTACT_PERSONS = [
    ("C10001", "Karin Bergström", "karin.bergstrom@bergstrom-bygg.se"),
    ("C10002", "Ola Nordmann", "ola@fjordtrade.no"),
    ("C10004", "Mikko Virtanen", "mikko.virtanen@nordicparts.fi"),
    ("C10005", "Mette Jensen", "mette@dansklager.dk"),
    ("C10007", "Jörg Albers", "j.albers@hansa-verpackung.de"),
]

# sku, English name, Swedish name, unit, weight kg, [(from quantity, unit price SEK)]
PRODUCTS = [
    (
        "PAL-EUR-1200",
        "EUR pallet 1200x800",
        "EUR-pall 1200x800",
        "pcs",
        "25",
        [(1, "149.00"), (50, "139.00"), (200, "129.00")],
    ),
    (
        "PAL-HALF-800",
        "Half pallet 800x600",
        "Halvpall 800x600",
        "pcs",
        "10",
        [(1, "99.00"), (50, "92.00"), (200, "85.00")],
    ),
    (
        "FILM-STR-500",
        "Stretch film 500 mm x 300 m",
        "Sträckfilm 500 mm x 300 m",
        "roll",
        "2.6",
        [(1, "89.00"), (100, "79.00"), (500, "72.00")],
    ),
    (
        "BOX-CORR-4030",
        "Corrugated box 400x300x300",
        "Wellpapplåda 400x300x300",
        "pcs",
        "0.45",
        [(1, "12.50"), (500, "10.90"), (2000, "9.40")],
    ),
    (
        "BOX-CORR-6040",
        "Corrugated box 600x400x400",
        "Wellpapplåda 600x400x400",
        "pcs",
        "0.8",
        [(1, "19.90"), (500, "17.50"), (2000, "15.20")],
    ),
    (
        "COL-PAL-1200",
        "Pallet collar 1200x800",
        "Pallkrage 1200x800",
        "pcs",
        "5.5",
        [(1, "189.00"), (50, "175.00"), (200, "162.00")],
    ),
    (
        "TAPE-PP-48",
        "Packing tape 48 mm x 66 m",
        "Packtejp 48 mm x 66 m",
        "roll",
        "0.3",
        [(1, "24.00"), (36, "19.50"), (360, "16.90")],
    ),
    (
        "LBL-THERM-100",
        "Thermal labels 100x150 mm, 1000/roll",
        "Termoetiketter 100x150 mm, 1000/rulle",
        "roll",
        "1.1",
        [(1, "129.00"), (20, "115.00"), (100, "99.00")],
    ),
    (
        "TRUCK-HP-2500",
        "Hand pallet truck 2500 kg",
        "Handtruck 2500 kg",
        "pcs",
        "68",
        [(1, "4290.00"), (5, "3990.00")],
    ),
    (
        "STRAP-PET-16",
        "PET strapping 16 mm x 1500 m",
        "PET-band 16 mm x 1500 m",
        "roll",
        "19",
        [(1, "549.00"), (10, "499.00")],
    ),
]

# sku, warehouse, on hand, reserved, restock in days, restock quantity
STOCK = [
    ("PAL-EUR-1200", "Göteborg", 1840, 320, None, None),
    ("PAL-EUR-1200", "Jönköping", 960, 80, None, None),
    ("PAL-HALF-800", "Göteborg", 410, 60, None, None),
    ("FILM-STR-500", "Göteborg", 2300, 400, None, None),
    ("FILM-STR-500", "Oslo", 380, 20, None, None),
    ("BOX-CORR-4030", "Jönköping", 12500, 1500, None, None),
    ("BOX-CORR-6040", "Jönköping", 0, 0, 9, 6000),
    ("COL-PAL-1200", "Göteborg", 145, 45, 14, 400),
    ("TAPE-PP-48", "Göteborg", 5400, 300, None, None),
    ("LBL-THERM-100", "Jönköping", 620, 100, None, None),
    ("TRUCK-HP-2500", "Göteborg", 3, 1, 21, 10),
    ("STRAP-PET-16", "Oslo", 0, 0, 6, 40),
]

# number, customer, status, ordered days ago, requested delivery in days, reference, [(sku, qty, delivered)]
ORDERS = [
    (
        "100231",
        "C10001",
        "shipped",
        4,
        2,
        "Projekt Kvarnen",
        [("PAL-EUR-1200", 120, 0), ("FILM-STR-500", 40, 0)],
    ),
    (
        "100238",
        "C10003",
        "delivered",
        9,
        -3,
        "PO-7781",
        [("BOX-CORR-4030", 2000, 2000), ("TAPE-PP-48", 72, 72)],
    ),
    ("100245", "C10002", "confirmed", 2, 6, "FT-2291", [("COL-PAL-1200", 60, 0), ("PAL-EUR-1200", 60, 0)]),
    (
        "100252",
        "C10004",
        "backordered",
        3,
        10,
        "NP-PO-5510",
        [("BOX-CORR-6040", 3000, 0), ("TAPE-PP-48", 36, 0)],
    ),
    ("100259", "C10005", "picking", 1, 4, "DLS-889", [("LBL-THERM-100", 40, 0), ("STRAP-PET-16", 4, 0)]),
    ("100266", "C10006", "shipped", 6, 1, "Gruva 12", [("TRUCK-HP-2500", 2, 0), ("PAL-EUR-1200", 200, 0)]),
    ("100273", "C10001", "delivered", 30, -24, "Lager Hisingen", [("PAL-HALF-800", 80, 80)]),
    ("100280", "C10007", "confirmed", 2, 7, "HV-4410", [("PAL-EUR-1200", 100, 0), ("STRAP-PET-16", 2, 0)]),
    ("100287", "C10007", "shipped", 5, 1, "HV-4398", [("BOX-CORR-4030", 1000, 0)]),
    ("100294", "C10005", "delivered", 20, -14, "DLS-861", [("TAPE-PP-48", 360, 360)]),
]

# order, carrier, service, tracking, status, shipped days ago, eta in days, delivered days ago,
# note (English), note (Swedish)
SHIPMENTS = [
    ("100231", "PostNord", "PostNord Pall", "00370712345678901234", "in_transit", 1, 1, None, "", ""),
    ("100238", "DB Schenker", "DB SCHENKERsystem", "SE-SCH-4471093", "delivered", 6, -3, 3, "", ""),
    ("100245", "DB Schenker", "DB SCHENKERsystem", "NO-SCH-5512087", "booked", None, 6, None, "", ""),
    (
        "100266",
        "DHL Freight",
        "DHL Paket Connect",
        "DHL-8844120573",
        "exception",
        3,
        3,
        None,
        "Delayed by snow on E10 between Gällivare and Kiruna",
        "Försenad av snö på E10 mellan Gällivare och Kiruna",
    ),
    ("100273", "Bring", "Bring Parcel", "BRG-70012233", "delivered", 27, -25, 25, "", ""),
    (
        "100287",
        "DB Schenker",
        "DB SCHENKERsystem",
        "DE-SCH-7730112",
        "in_transit",
        2,
        1,
        None,
        "Arrived at the Hamburg terminal",
        "Ankommen till terminalen i Hamburg",
    ),
    ("100294", "PostNord", "PostNord Parcel", "00370798765432109876", "delivered", 17, -15, 15, "", ""),
]

# number, order, issued days ago, amount incl. VAT, VAT, status
INVOICES = [
    ("55012", "100238", 8, "29612.50", "5922.50", "open"),
    ("55009", "100273", 26, "9900.00", "1980.00", "paid"),
    ("55015", "100231", 3, "26787.50", "5357.50", "open"),
    ("55018", "100294", 16, "7605.00", "1521.00", "paid"),
    ("55021", "100287", 2, "13625.00", "2725.00", "open"),
]


@transaction.atomic
def seed_erp(*, today: dt.date | None = None) -> dict[str, int]:
    """Create the demo ERP rows that do not exist yet; return how many of each were created."""
    today = today or timezone.localdate()
    now = timezone.now()
    created = {"customers": 0, "products": 0, "orders": 0, "shipments": 0, "invoices": 0}
    customers = {}
    for number, name, email, language, street, postal, city, country in CUSTOMERS:
        customers[number], new = ErpCustomer.objects.get_or_create(
            number=number,
            defaults={
                "name": name,
                "email": email,
                "language": language,
                "street": street,
                "postal_code": postal,
                "city": city,
                "country": country,
                "vat_number": f"{country}{number[1:]}0101",
                "phone": "+46 31 700 00 00",
            },
        )
        created["customers"] += new
    for number, name, email in CONTACT_PERSONS:
        ErpContactPerson.objects.get_or_create(
            customer=customers[number], email=email, defaults={"name": name}
        )
    products = {}
    for sku, name, name_sv, unit, weight, prices in PRODUCTS:
        products[sku], new = ErpProduct.objects.get_or_create(
            sku=sku, defaults={"name": name, "name_sv": name_sv, "unit": unit, "weight_kg": Decimal(weight)}
        )
        created["products"] += new
        for min_quantity, price in prices:
            ErpPrice.objects.get_or_create(
                product=products[sku],
                min_quantity=min_quantity,
                currency="SEK",
                defaults={"unit_price": Decimal(price), "valid_until": dt.date(today.year, 12, 31)},
            )
    for sku, warehouse, on_hand, reserved, restock_in, restock_qty in STOCK:
        ErpStock.objects.get_or_create(
            product=products[sku],
            warehouse=warehouse,
            defaults={
                "on_hand": on_hand,
                "reserved": reserved,
                "next_restock_quantity": restock_qty,
                "next_restock_date": today + dt.timedelta(days=restock_in) if restock_in else None,
            },
        )
    orders = {}
    for number, customer, status, days_ago, delivery_in, reference, lines in ORDERS:
        cust = customers[customer]
        orders[number], new = ErpOrder.objects.get_or_create(
            number=number,
            defaults={
                "customer": cust,
                "status": status,
                "customer_reference": reference,
                "ordered_at": now - dt.timedelta(days=days_ago, hours=3),
                "requested_delivery_date": today + dt.timedelta(days=delivery_in),
                "delivery_street": cust.street,
                "delivery_postal_code": cust.postal_code,
                "delivery_city": cust.city,
                "delivery_country": cust.country,
            },
        )
        created["orders"] += new
        if new:
            for line_number, (sku, quantity, delivered) in enumerate(lines, start=1):
                ErpOrderLine.objects.create(
                    order=orders[number],
                    line_number=line_number,
                    product=products[sku],
                    quantity=quantity,
                    unit_price=_unit_price(prices=dict(PRODUCTS_PRICES[sku]), quantity=quantity),
                    delivered_quantity=delivered,
                )
    for (
        number,
        carrier,
        service,
        tracking,
        status,
        shipped_ago,
        eta_in,
        delivered_ago,
        note,
        note_sv,
    ) in SHIPMENTS:
        _, new = ErpShipment.objects.get_or_create(
            tracking_number=tracking,
            defaults={
                "order": orders[number],
                "carrier": carrier,
                "service": service,
                "status": status,
                "shipped_at": now - dt.timedelta(days=shipped_ago) if shipped_ago is not None else None,
                "eta": today + dt.timedelta(days=eta_in),
                "delivered_at": now - dt.timedelta(days=delivered_ago) if delivered_ago is not None else None,
                "status_note": note,
                "status_note_sv": note_sv,
                "packages": 2,
            },
        )
        created["shipments"] += new
    for number, order, issued_ago, amount, vat, status in INVOICES:
        issued = today - dt.timedelta(days=issued_ago)
        _, new = ErpInvoice.objects.get_or_create(
            number=number,
            defaults={
                "order": orders[order],
                "customer": orders[order].customer,
                "issued_on": issued,
                "due_on": issued + dt.timedelta(days=30),
                "amount": Decimal(amount),
                "vat_amount": Decimal(vat),
                "status": status,
            },
        )
        created["invoices"] += new
    return created


PRODUCTS_PRICES = {sku: [(qty, Decimal(price)) for qty, price in prices] for sku, *_, prices in PRODUCTS}


def _unit_price(*, prices: dict[int, Decimal], quantity: int) -> Decimal:
    """The price of the highest quantity break that ``quantity`` reaches."""
    return prices[max(q for q in prices if q <= quantity)]
