"""The demo ERP's invoice copy as a PDF, written with fpdf2: header, customer, order lines, totals.

The built-in PDF fonts cover Latin-1 (Swedish, Norwegian, Danish and German letters); other characters
are replaced, which is enough for a demo document.
"""

from __future__ import annotations

from decimal import Decimal

from fpdf import FPDF

from integrations.models import ErpInvoice, ErpOrder

SELLER = "Nordlager AB"


def _latin1(text: object) -> str:
    return str(text).encode("latin-1", "replace").decode("latin-1")


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}".replace(",", " ")


def render_invoice(invoice: ErpInvoice) -> bytes:
    """One A4 page: who, when, what, how much."""
    pdf = FPDF(format="A4")
    pdf.set_title(_latin1(f"Faktura {invoice.number}"))
    pdf.set_creator(SELLER)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 10, _latin1(f"{SELLER} - Faktura / Invoice {invoice.number}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.cell(0, 6, _latin1("Kopia / Copy"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    customer = invoice.customer
    for line in (
        customer.name,
        customer.street,
        f"{customer.postal_code} {customer.city}".strip(),
        f"Kundnummer / Customer no. {customer.number}",
    ):
        if line:
            pdf.cell(0, 6, _latin1(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    order = invoice.order
    details = [
        ("Fakturadatum / Issued", invoice.issued_on.isoformat()),
        ("Förfallodag / Due", invoice.due_on.isoformat()),
        ("Order", order.number if order else "-"),
    ]
    for label, value in details:
        pdf.cell(60, 6, _latin1(label))
        pdf.cell(0, 6, _latin1(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    if order is not None:
        _lines(pdf, order, invoice.currency)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(130, 7, _latin1("Moms / VAT"))
    pdf.cell(
        0, 7, _latin1(_money(invoice.vat_amount, invoice.currency)), align="R", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.cell(130, 7, _latin1("Att betala / Total incl. VAT"))
    pdf.cell(
        0, 7, _latin1(_money(invoice.amount, invoice.currency)), align="R", new_x="LMARGIN", new_y="NEXT"
    )
    return bytes(pdf.output())


def _lines(pdf: FPDF, order: ErpOrder, currency: str) -> None:
    with pdf.table(
        col_widths=(30, 70, 20, 30, 30), text_align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT")
    ) as table:
        table.row([_latin1(h) for h in ("Artikel", "Benämning", "Antal", "À-pris", "Summa")])
        for line in order.lines.select_related("product").order_by("line_number"):
            total = line.unit_price * line.quantity
            table.row(
                [
                    _latin1(line.product.sku),
                    _latin1(line.product.name),
                    str(line.quantity),
                    _latin1(_money(line.unit_price, currency)),
                    _latin1(_money(total, currency)),
                ]
            )
    pdf.ln(4)
