"""The demo ERP: tables the built-in ``demo`` connector reads and ``seed_demo`` fills.

They stand in for a customer's ERP, TMS and WMS; real installations use the ``sql`` or ``http``
connector instead and leave these tables empty.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class ErpCustomer(models.Model):
    number = models.CharField(_("customer number"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), max_length=320, db_index=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=8, default="sv")
    street = models.CharField(_("street"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=16, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="SE")
    vat_number = models.CharField(_("VAT number"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("ERP customer")
        verbose_name_plural = _("ERP customers")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class ErpContactPerson(models.Model):
    """Further people at a customer whose mail identifies the customer."""

    customer = models.ForeignKey(ErpCustomer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), max_length=320, db_index=True)

    class Meta:
        verbose_name = _("ERP contact person")
        verbose_name_plural = _("ERP contact persons")

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class ErpProduct(models.Model):
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name (English)"), max_length=200)
    name_sv = models.CharField(_("name (Swedish)"), max_length=200)
    unit = models.CharField(_("unit"), max_length=16, default="st")
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=10, decimal_places=3, default=Decimal("0"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("ERP product")
        verbose_name_plural = _("ERP products")
        ordering = ["sku"]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class ErpStock(models.Model):
    product = models.ForeignKey(ErpProduct, on_delete=models.CASCADE, related_name="stock")
    warehouse = models.CharField(_("warehouse"), max_length=64)
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)
    next_restock_date = models.DateField(_("next restock"), null=True, blank=True)
    next_restock_quantity = models.IntegerField(_("next restock quantity"), null=True, blank=True)

    class Meta:
        verbose_name = _("ERP stock level")
        verbose_name_plural = _("ERP stock levels")
        constraints = [models.UniqueConstraint(fields=["product", "warehouse"], name="erp_stock_unique")]

    def __str__(self) -> str:
        return f"{self.product.sku} @ {self.warehouse}: {self.available}"

    @property
    def available(self) -> int:
        return max(self.on_hand - self.reserved, 0)


class ErpPrice(models.Model):
    """A unit price that applies from ``min_quantity`` units up (quantity breaks)."""

    product = models.ForeignKey(ErpProduct, on_delete=models.CASCADE, related_name="prices")
    min_quantity = models.PositiveIntegerField(_("from quantity"), default=1)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="SEK")
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("ERP price")
        verbose_name_plural = _("ERP prices")
        ordering = ["product", "min_quantity"]
        constraints = [
            models.UniqueConstraint(fields=["product", "min_quantity", "currency"], name="erp_price_unique")
        ]

    def __str__(self) -> str:
        return f"{self.product.sku} from {self.min_quantity}: {self.unit_price} {self.currency}"


class ErpOrder(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        CONFIRMED = "confirmed", _("Confirmed")
        PICKING = "picking", _("Being picked")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        BACKORDERED = "backordered", _("Backordered")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("order number"), max_length=32, unique=True)
    customer = models.ForeignKey(ErpCustomer, on_delete=models.PROTECT, related_name="orders")
    customer_reference = models.CharField(_("customer reference"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.RECEIVED)
    ordered_at = models.DateTimeField(_("ordered"))
    requested_delivery_date = models.DateField(_("requested delivery"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="SEK")
    delivery_street = models.CharField(_("delivery street"), max_length=200, blank=True)
    delivery_postal_code = models.CharField(_("delivery postal code"), max_length=16, blank=True)
    delivery_city = models.CharField(_("delivery city"), max_length=100, blank=True)
    delivery_country = models.CharField(_("delivery country"), max_length=2, default="SE")

    class Meta:
        verbose_name = _("ERP order")
        verbose_name_plural = _("ERP orders")
        ordering = ["-ordered_at"]

    def __str__(self) -> str:
        return self.number


class ErpOrderLine(models.Model):
    order = models.ForeignKey(ErpOrder, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveIntegerField(_("line"))
    product = models.ForeignKey(ErpProduct, on_delete=models.PROTECT, related_name="order_lines")
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    delivered_quantity = models.PositiveIntegerField(_("delivered"), default=0)

    class Meta:
        verbose_name = _("ERP order line")
        verbose_name_plural = _("ERP order lines")
        ordering = ["order", "line_number"]
        constraints = [models.UniqueConstraint(fields=["order", "line_number"], name="erp_order_line_unique")]

    def __str__(self) -> str:
        return f"{self.order.number}/{self.line_number}"

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity


class ErpShipment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        PICKED_UP = "picked_up", _("Picked up")
        IN_TRANSIT = "in_transit", _("In transit")
        OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
        DELIVERED = "delivered", _("Delivered")
        EXCEPTION = "exception", _("Delayed (exception)")

    order = models.ForeignKey(ErpOrder, on_delete=models.CASCADE, related_name="shipments")
    carrier = models.CharField(_("carrier"), max_length=64)
    service = models.CharField(_("service"), max_length=64, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=64, unique=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.BOOKED)
    packages = models.PositiveIntegerField(_("packages"), default=1)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    eta = models.DateField(_("estimated arrival"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    status_note = models.CharField(_("status note"), max_length=200, blank=True)
    status_note_sv = models.CharField(_("status note (Swedish)"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("ERP shipment")
        verbose_name_plural = _("ERP shipments")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}"


class ErpInvoice(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PAID = "paid", _("Paid")
        OVERDUE = "overdue", _("Overdue")
        CREDITED = "credited", _("Credited")

    number = models.CharField(_("invoice number"), max_length=32, unique=True)
    order = models.ForeignKey(
        ErpOrder, null=True, blank=True, on_delete=models.SET_NULL, related_name="invoices"
    )
    customer = models.ForeignKey(ErpCustomer, on_delete=models.PROTECT, related_name="invoices")
    issued_on = models.DateField(_("issued"))
    due_on = models.DateField(_("due"))
    amount = models.DecimalField(_("amount incl. VAT"), max_digits=12, decimal_places=2)
    vat_amount = models.DecimalField(_("VAT"), max_digits=12, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(_("currency"), max_length=3, default="SEK")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)

    class Meta:
        verbose_name = _("ERP invoice")
        verbose_name_plural = _("ERP invoices")
        ordering = ["-issued_on"]

    def __str__(self) -> str:
        return self.number
