"""The delivery app's models, one module per concern; import them from here."""

from delivery.models.feedback import FeedbackReport
from delivery.models.outbound import OutboundMessage

__all__ = ["FeedbackReport", "OutboundMessage"]
