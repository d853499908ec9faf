"""Amazon SES through anymail, sending our own raw MIME, DKIM-signed by us.

SES takes the message as raw MIME (SESv2 ``SendEmail`` with ``Content.Raw``), so the bytes the queue
built and signed go out exactly as they are (anymail still fills the envelope: the Destination list).
boto3 retries a timed-out call by itself, which could send a mail twice: its retries are off here; ours,
with the attempt on record first, take their place.
"""

from __future__ import annotations

from typing import Any

from anymail.backends.amazon_ses import AmazonSESV2SendEmailPayload, EmailBackend
from anymail.utils import UNSET
from botocore.config import Config


class _RawPayload(AmazonSESV2SendEmailPayload):
    def generate_raw_message(self) -> bytes:
        prepared = getattr(self.message, "prepared", None)
        if prepared is None:  # a message that did not come through our queue
            raw: bytes = super().generate_raw_message()
            return raw
        signed: bytes = prepared.raw
        return signed


class RawAmazonSesBackend(EmailBackend):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        config = self.client_params.get("config")
        no_retries = Config(retries={"max_attempts": 1, "mode": "standard"})
        self.client_params["config"] = config.merge(no_retries) if config is not None else no_retries

    def build_message_payload(self, message: Any, defaults: Any) -> Any:
        if getattr(message, "template_id", UNSET) is not UNSET:
            return super().build_message_payload(message, defaults)
        return _RawPayload(message, defaults, self)
