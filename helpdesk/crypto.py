"""Encryption at rest for secrets kept in the database (IMAP passwords, connector tokens).

Values are Fernet tokens made with the first key in ``settings.FIELD_ENCRYPTION_KEYS``; every key in
the list can decrypt, so keys rotate by prepending a new one and re-saving the rows.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


class DecryptionError(Exception):
    """A stored secret could not be decrypted with any configured key."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY holds a key that is not a url-safe base64 Fernet key of 32 bytes."
        ) from None


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError(
            "stored secret cannot be decrypted with the configured FIELD_ENCRYPTION_KEY"
        ) from None


def mask(secret: str) -> str:
    """Show that a secret is set without showing it."""
    return "" if not secret else "•" * 8


class EncryptedTextField(models.TextField):
    """A text field stored as a Fernet token; Python code sees plain text.

    Lookups other than ``isnull`` are meaningless on ciphertext and are not supported.
    """

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))
