from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from helpdesk.mail.message_ids import make_message_id, ticket_id_from_message_id


@given(st.integers(min_value=1, max_value=10**15))
def test_our_message_ids_carry_the_ticket_id(ticket_id: int) -> None:
    message_id = make_message_id(ticket_id=ticket_id, domain="nordlager.example")
    assert message_id.startswith("<t") and message_id.endswith("@nordlager.example>")
    assert ticket_id_from_message_id(message_id) == ticket_id


def test_each_message_id_is_unique() -> None:
    assert make_message_id(ticket_id=7) != make_message_id(ticket_id=7)


def test_a_forged_ticket_id_is_rejected() -> None:
    genuine = make_message_id(ticket_id=12, domain="nordlager.example")
    forged = genuine.replace("<t12.", "<t13.")
    assert ticket_id_from_message_id(forged) is None


@given(st.text(max_size=80))
def test_foreign_message_ids_map_to_no_ticket(text: str) -> None:
    assert ticket_id_from_message_id(f"<{text}@gmail.com>") is None


def test_ids_signed_before_the_module_moved_still_verify() -> None:
    """The HMAC salt is part of every Message-ID already sent: it must not follow the module's name."""
    from django.utils.crypto import salted_hmac

    nonce = "0123456789abcdef"
    signature = salted_hmac("helpdesk.message_ids", f"42.{nonce}", algorithm="sha256").hexdigest()[:16]
    assert ticket_id_from_message_id(f"<t42.{nonce}.{signature}@nordlager.example>") == 42
