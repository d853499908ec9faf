"""The OpenSSL DKIM signer checked by dkimpy's verifier (an independent implementation): both
algorithms, folded and repeated headers, odd whitespace, bare LF line endings, empty bodies; and what a
signature must refuse (a second From, a changed body, a header signed as absent that appears later)."""

from __future__ import annotations

from collections.abc import Callable

import dkim as dkimpy
import pytest

from delivery import dkim, dkim_signer

DOMAIN = "nordlager.example"
MESSAGE = (
    b"From: Nordlager Support <support@nordlager.example>\r\n"
    b"To: Karin <inkop@bergstrom-bygg.se>,\r\n"
    b"\t Lars   <lars@bergstrom-bygg.se>\r\n"
    b"Subject:   Re: Order  100231\t [#42] \r\n"
    b"Date: Mon, 07 Dec 2026 10:00:00 +0100\r\n"
    b"Message-ID: <reply-1@nordlager.example>\r\n"
    b"Received: from a\r\n"
    b"Received: from b\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"Hej Karin!  \r\n"
    b"\r\n"
    b"Order 100231 \t levereras idag.\r\n"
    b"\r\n"
    b"\r\n"
)


@pytest.fixture(scope="module")
def keys() -> dict[str, tuple[bytes, str]]:
    return {algorithm: dkim.generate(algorithm) for algorithm in ("rsa", "ed25519")}


def signed(raw: bytes, algorithm: str, keys: dict[str, tuple[bytes, str]]) -> bytes:
    header = dkim_signer.signature_header(
        raw,
        domain=DOMAIN,
        selector=f"s-{algorithm}",
        algorithm=algorithm,
        private_key=keys[algorithm][0],
        headers=dkim.SIGNED_HEADERS,
    )
    return header + raw


def verified(raw: bytes, keys: dict[str, tuple[bytes, str]]) -> list[tuple[str, bool]]:
    records = {
        f"s-{algorithm}._domainkey.{DOMAIN}": dkim.dns_record(algorithm, public)
        for algorithm, (_, public) in keys.items()
    }
    return [(verdict.algorithm, verdict.valid) for verdict in dkim.verify_all(raw, records)]


@pytest.mark.parametrize("algorithm", ["rsa", "ed25519"])
def test_dkimpy_verifies_what_the_signer_writes(algorithm: str, keys: dict[str, tuple[bytes, str]]) -> None:
    mail = signed(MESSAGE, algorithm, keys)
    assert verified(mail, keys) == [(dkim_signer.ALGORITHMS[algorithm], True)]
    assert all(len(line) <= 998 for line in mail.split(b"\r\n"))


def test_both_signatures_of_one_message_verify(keys: dict[str, tuple[bytes, str]]) -> None:
    mail = signed(MESSAGE, "rsa", keys)
    mail = signed(mail, "ed25519", keys)
    assert sorted(verified(mail, keys)) == [("ed25519-sha256", True), ("rsa-sha256", True)]


@pytest.mark.parametrize(
    "raw",
    [
        MESSAGE.replace(b"\r\n", b"\n"),  # bare LF, as some renderers write
        MESSAGE.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n",  # an empty body
        MESSAGE.split(b"\r\n\r\n", 1)[0] + b"\r\n",  # no body at all
    ],
    ids=["bare-lf", "empty-body", "no-body"],
)
def test_unusual_shapes_still_verify(raw: bytes, keys: dict[str, tuple[bytes, str]]) -> None:
    mail = signed(raw, "rsa", keys).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    assert verified(mail, keys) == [("rsa-sha256", True)]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda mail: mail.replace(b"levereras idag", b"levereras i morgon"),
        lambda mail: mail.replace(b"From: Nordlager", b"From: Evil <x@evil.example>\r\nFrom: Nordlager"),
        lambda mail: mail.replace(b"MIME-Version", b"Cc: stranger@evil.example\r\nMIME-Version"),
        lambda mail: mail.replace(b"Order  100231", b"Order 100232"),
    ],
    ids=["body", "second-from", "absent-cc-added", "subject"],
)
def test_a_change_to_what_is_signed_breaks_the_signature(
    tamper: Callable[[bytes], bytes], keys: dict[str, tuple[bytes, str]]
) -> None:
    mail = tamper(signed(MESSAGE, "rsa", keys))
    assert verified(mail, keys) == [("rsa-sha256", False)]


def test_whitespace_that_relaxed_canonicalisation_ignores_keeps_it_valid(
    keys: dict[str, tuple[bytes, str]],
) -> None:
    mail = signed(MESSAGE, "ed25519", keys)
    loosened = mail.replace(b"Hej Karin!  \r\n", b"Hej   Karin!\r\n").replace(
        b"Subject:   Re:", b"Subject: Re:"
    )
    assert verified(loosened, keys) == [("ed25519-sha256", True)]


def test_an_unreadable_key_is_an_error_not_an_unsigned_mail() -> None:
    with pytest.raises(dkim_signer.SigningError):
        dkim_signer.signature_header(
            MESSAGE, domain=DOMAIN, selector="x", algorithm="rsa", private_key=b"-----BEGIN nonsense",
            headers=dkim.SIGNED_HEADERS,
        )  # fmt: skip


def test_dkimpy_itself_agrees_on_the_body_hash(keys: dict[str, tuple[bytes, str]]) -> None:
    ours = signed(MESSAGE, "rsa", keys)
    theirs = dkimpy.sign(
        MESSAGE, b"s-rsa", DOMAIN.encode(), keys["rsa"][0], canonicalize=(b"relaxed", b"relaxed")
    )
    body_hash = [part.strip() for part in ours.split(b";") if part.strip().startswith(b"bh=")]
    assert body_hash and body_hash[0] in theirs.replace(b"\r\n", b"").replace(b" ", b"")
