from __future__ import annotations

from django.contrib import admin

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


class ErpContactPersonInline(admin.TabularInline[ErpContactPerson, ErpCustomer]):
    model = ErpContactPerson
    extra = 0


@admin.register(ErpCustomer)
class ErpCustomerAdmin(admin.ModelAdmin[ErpCustomer]):
    list_display = ["number", "name", "email", "city", "country", "language"]
    list_filter = ["country", "language"]
    search_fields = ["number", "name", "email", "contacts__email"]
    inlines = [ErpContactPersonInline]


@admin.register(ErpContactPerson)
class ErpContactPersonAdmin(admin.ModelAdmin[ErpContactPerson]):
    list_display = ["name", "email", "customer"]
    search_fields = ["name", "email", "customer__name"]
    list_select_related = ["customer"]


class ErpStockInline(admin.TabularInline[ErpStock, ErpProduct]):
    model = ErpStock
    extra = 0


class ErpPriceInline(admin.TabularInline[ErpPrice, ErpProduct]):
    model = ErpPrice
    extra = 0


@admin.register(ErpProduct)
class ErpProductAdmin(admin.ModelAdmin[ErpProduct]):
    list_display = ["sku", "name", "name_sv", "unit", "active"]
    list_filter = ["active", "unit"]
    search_fields = ["sku", "name", "name_sv"]
    inlines = [ErpStockInline, ErpPriceInline]


@admin.register(ErpStock)
class ErpStockAdmin(admin.ModelAdmin[ErpStock]):
    list_display = ["product", "warehouse", "on_hand", "reserved", "next_restock_date"]
    list_filter = ["warehouse"]
    search_fields = ["product__sku", "product__name"]
    list_select_related = ["product"]


@admin.register(ErpPrice)
class ErpPriceAdmin(admin.ModelAdmin[ErpPrice]):
    list_display = ["product", "min_quantity", "unit_price", "currency", "valid_until"]
    list_filter = ["currency"]
    search_fields = ["product__sku", "product__name"]
    list_select_related = ["product"]


class ErpOrderLineInline(admin.TabularInline[ErpOrderLine, ErpOrder]):
    model = ErpOrderLine
    extra = 0
    raw_id_fields = ["product"]


class ErpShipmentInline(admin.TabularInline[ErpShipment, ErpOrder]):
    model = ErpShipment
    extra = 0


@admin.register(ErpOrder)
class ErpOrderAdmin(admin.ModelAdmin[ErpOrder]):
    list_display = ["number", "customer", "status", "ordered_at", "requested_delivery_date"]
    list_filter = ["status", "delivery_country"]
    search_fields = ["number", "customer__name", "customer__number", "customer_reference"]
    list_select_related = ["customer"]
    date_hierarchy = "ordered_at"
    inlines = [ErpOrderLineInline, ErpShipmentInline]


@admin.register(ErpOrderLine)
class ErpOrderLineAdmin(admin.ModelAdmin[ErpOrderLine]):
    list_display = ["order", "line_number", "product", "quantity", "unit_price", "delivered_quantity"]
    search_fields = ["order__number", "product__sku"]
    list_select_related = ["order", "product"]


@admin.register(ErpShipment)
class ErpShipmentAdmin(admin.ModelAdmin[ErpShipment]):
    list_display = ["tracking_number", "carrier", "order", "status", "eta", "delivered_at"]
    list_filter = ["carrier", "status"]
    search_fields = ["tracking_number", "order__number"]
    list_select_related = ["order"]


@admin.register(ErpInvoice)
class ErpInvoiceAdmin(admin.ModelAdmin[ErpInvoice]):
    list_display = ["number", "customer", "order", "issued_on", "due_on", "amount", "currency", "status"]
    list_filter = ["status", "currency"]
    search_fields = ["number", "order__number", "customer__name"]
    list_select_related = ["customer", "order"]
