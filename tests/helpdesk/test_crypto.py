from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.test import override_settings

from helpdesk import crypto


def test_secrets_round_trip_and_are_not_stored_in_clear() -> None:
    token = crypto.encrypt("imap-password")
    assert "imap-password" not in token
    assert crypto.decrypt(token) == "imap-password"


def test_rotated_keys_still_decrypt_old_values() -> None:
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[old_key]):
        token = crypto.encrypt("s3cret")
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, old_key]):
        assert crypto.decrypt(token) == "s3cret"
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key]), pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token)


def test_encrypted_field_stores_a_token(db: None) -> None:
    field = crypto.EncryptedTextField()
    stored = field.get_prep_value("hunter2")
    assert stored != "hunter2"
    assert field.from_db_value(stored, None, connection) == "hunter2"


def test_mask_never_reveals_the_secret() -> None:
    assert "hunter2" not in crypto.mask("hunter2") and crypto.mask("") == ""
