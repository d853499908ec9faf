"""The delivery app's models, one module per concern; import them from here."""

from delivery.models.dkim import DkimKey
from delivery.models.dmarc import DmarcRecord, DmarcReport, TlsReport
from delivery.models.events import DeliveryEvent
from delivery.models.feedback import FeedbackReport
from delivery.models.outbound import DeliveryAttempt, OutboundMessage, OutboundQuerySet
from delivery.models.suppression import Suppression, SuppressionQuerySet, address_keys, hashed_address
from delivery.models.throttle import BulkThrottle

__all__ = [
    "BulkThrottle",
    "DeliveryAttempt",
    "DeliveryEvent",
    "DkimKey",
    "DmarcRecord",
    "DmarcReport",
    "FeedbackReport",
    "OutboundMessage",
    "OutboundQuerySet",
    "Suppression",
    "SuppressionQuerySet",
    "TlsReport",
    "address_keys",
    "hashed_address",
]
