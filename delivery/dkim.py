"""DKIM: the keys of a sending domain, signing raw MIME with each (``delivery.dkim_signer``, OpenSSL),
making keys, verifying (dkimpy).

Every active key of the From domain signs (an RSA-2048 and an Ed25519 key give two signatures, which
receivers that know only RSA still accept), relaxed/relaxed, over the headers in ``SIGNED_HEADERS``.
Headers in that list that a message does not have are signed as absent, so nobody can add them later;
From is listed twice for the same reason.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from pathlib import Path

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from django.conf import settings

from delivery import dkim_signer
from delivery.models import DkimKey

SIGNED_HEADERS = (
    "From",
    "From",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Reply-To",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Auto-Submitted",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
)
_CACHE_SECONDS = 60


@dataclass(frozen=True)
class SigningKey:
    domain: str
    selector: str
    algorithm: str  # "rsa" or "ed25519"
    private_key: bytes  # PEM for RSA, base64 of the 32-byte seed for Ed25519 (dkimpy's formats)


class DkimError(Exception):
    """A key that cannot sign (unreadable, wrong format): the message is not sent unsigned."""


_keys: dict[str, tuple[float, list[SigningKey]]] = {}


def signing_keys(domain: str) -> list[SigningKey]:
    """The keys that sign mail from ``domain`` (cached for a minute per process)."""
    domain = domain.lower()
    cached = _keys.get(domain)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    keys = [
        SigningKey(row.domain, row.selector, row.algorithm, _private_key(row))
        for row in DkimKey.objects.filter(domain=domain, active=True).order_by("algorithm", "selector")
    ]
    configured = settings.DKIM_PRIVATE_KEY and domain == settings.DKIM_DOMAIN
    if configured and all(key.selector != settings.DKIM_SELECTOR for key in keys):
        pem = settings.DKIM_PRIVATE_KEY.encode()
        keys.insert(0, SigningKey(domain, settings.DKIM_SELECTOR, algorithm_of(pem), pem))
    _keys[domain] = (time.monotonic() + _CACHE_SECONDS, keys)
    return keys


def forget_keys() -> None:
    """Drop the per-process key cache (after keys change, and in tests)."""
    _keys.clear()


def sign(raw: bytes, domain: str) -> bytes:
    """``raw`` with a DKIM-Signature header per key of ``domain`` in front (unchanged without keys)."""
    keys = signing_keys(domain) if settings.DKIM_ENABLED else []
    if not keys:
        return raw
    signatures = []
    for key in keys:
        try:
            signatures.append(
                dkim_signer.signature_header(
                    raw,
                    domain=key.domain,
                    selector=key.selector,
                    algorithm=key.algorithm,
                    private_key=key.private_key,
                    headers=SIGNED_HEADERS,
                )
            )
        except dkim_signer.SigningError as exc:
            raise DkimError(f"DKIM key {key.selector}._domainkey.{key.domain} cannot sign: {exc}") from None
    return b"".join(signatures) + raw


def algorithm_of(private_key: bytes) -> str:
    """``ed25519`` for dkimpy's Ed25519 format (base64 of a 32-byte seed), else ``rsa`` (a PEM)."""
    return "rsa" if private_key.lstrip().startswith(b"-----BEGIN") else "ed25519"


def generate(algorithm: str) -> tuple[bytes, str]:
    """A new key pair: (private key in dkimpy's format, the public key as the DNS record's p= value)."""
    if algorithm == "rsa":
        rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private = rsa_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        public = rsa_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return private, base64.b64encode(public).decode()
    if algorithm == "ed25519":
        ed_key = ed25519.Ed25519PrivateKey.generate()
        seed = ed_key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        public = ed_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return base64.b64encode(seed), base64.b64encode(public).decode()
    raise ValueError(f"unknown DKIM algorithm {algorithm!r}: rsa or ed25519")


def public_key_of(private_key: bytes) -> str:
    """The p= value for a private key in dkimpy's format."""
    if algorithm_of(private_key) == "rsa":
        loaded = serialization.load_pem_private_key(private_key, password=None)
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise ValueError("the PEM is not an RSA private key")
        der = loaded.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.b64encode(der).decode()
    seed = base64.b64decode(private_key.strip())
    public = ed25519.Ed25519PrivateKey.from_private_bytes(seed).public_key()
    return base64.b64encode(
        public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    ).decode()


def dns_record(algorithm: str, public_key: str) -> str:
    return f"v=DKIM1; k={algorithm}; p={public_key}"


def published_records() -> dict[str, str]:
    """The DNS TXT record of every key we sign with: name -> record (for checks and local verifying)."""
    records = {row.dns_name: row.dns_record for row in DkimKey.objects.filter(active=True)}
    if settings.DKIM_PRIVATE_KEY and settings.DKIM_DOMAIN:
        pem = settings.DKIM_PRIVATE_KEY.encode()
        name = f"{settings.DKIM_SELECTOR}._domainkey.{settings.DKIM_DOMAIN}"
        records.setdefault(name, dns_record(algorithm_of(pem), public_key_of(pem)))
    return records


@dataclass(frozen=True)
class Verdict:
    domain: str
    selector: str
    algorithm: str
    valid: bool


def verify_all(raw: bytes, records: dict[str, str]) -> list[Verdict]:
    """Check every DKIM signature of ``raw`` against ``records`` (DNS name -> TXT value), offline."""

    def dnsfunc(name: bytes, timeout: int = 5) -> bytes:
        return records.get(name.decode().rstrip("."), "").encode()

    checker = dkim.DKIM(raw)
    verdicts = []
    count = sum(1 for name, _ in checker.headers if name.lower() == b"dkim-signature")
    for index in range(count):
        signature = dict(dkim.util.parse_tag_value(_signature_value(checker, index)))
        try:
            valid = bool(checker.verify(idx=index, dnsfunc=dnsfunc))
        except dkim.DKIMException:  # dkimpy raises for some mismatches (the body hash) instead
            valid = False
        verdicts.append(
            Verdict(
                domain=signature.get(b"d", b"").decode(),
                selector=signature.get(b"s", b"").decode(),
                algorithm=signature.get(b"a", b"").decode(),
                valid=valid,
            )
        )
    return verdicts


def _signature_value(checker: dkim.DKIM, index: int) -> bytes:
    values = [value for name, value in checker.headers if name.lower() == b"dkim-signature"]
    return values[index]


def _private_key(row: DkimKey) -> bytes:
    if row.key_file:
        try:
            return Path(row.key_file).read_bytes()
        except OSError as exc:
            raise DkimError(f"DKIM key file {row.key_file} cannot be read: {exc.strerror}") from None
    return row.private_key.encode()
