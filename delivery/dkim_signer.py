"""DKIM signatures made with OpenSSL (through ``cryptography``): RFC 6376 relaxed/relaxed, RSA-SHA256,
and Ed25519-SHA256 (RFC 8463).

dkimpy signs RSA in pure Python (about 8 ms a signature on these machines); OpenSSL takes well under
one. dkimpy still verifies: ``delivery.dkim.verify_all`` and every test that checks a signature read
what this module writes with dkimpy's verifier, so the two implementations check each other.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

ALGORITHMS = {"rsa": "rsa-sha256", "ed25519": "ed25519-sha256"}
_WSP = re.compile(rb"[ \t]+")
_FOLD = re.compile(rb"\r\n(?=[ \t])")


class SigningError(ValueError):
    """The key cannot sign (unreadable, or not the algorithm it claims)."""


def signature_header(
    raw: bytes,
    *,
    domain: str,
    selector: str,
    algorithm: str,
    private_key: bytes,
    headers: tuple[str, ...],
    now: float | None = None,
) -> bytes:
    """The ``DKIM-Signature`` header line (ending in CRLF) to put in front of ``raw``. Every name in
    ``headers`` is in h=: present headers are signed from the bottom up, absent ones as absent."""
    head, body = _split(raw)
    names = [name.lower() for name in headers]
    tags = [
        f"v=1; a={ALGORITHMS[algorithm]}; c=relaxed/relaxed; d={domain}; s={selector};",
        f" t={int(time.time() if now is None else now)}; h={':'.join(names)};",
        f" bh={base64.b64encode(hashlib.sha256(relaxed_body(body)).digest()).decode()};",
        " b=",
    ]
    value = "\r\n".join(tags).encode()
    signed = b"".join(relaxed_header(name, field) + b"\r\n" for name, field in _selected(head, names))
    signed += relaxed_header(b"DKIM-Signature", b" " + value)
    signature = base64.b64encode(_sign(algorithm, private_key, signed))
    folded = b"\r\n ".join(signature[i : i + 72] for i in range(0, len(signature), 72))
    return b"DKIM-Signature: " + value + folded + b"\r\n"


def relaxed_header(name: bytes, value: bytes) -> bytes:
    """RFC 6376 3.4.2: lower-case name, unfolded value, runs of blanks as one space, none at the ends."""
    return name.strip().lower() + b":" + _WSP.sub(b" ", _FOLD.sub(b"", value)).strip(b" ")


def relaxed_body(body: bytes) -> bytes:
    """RFC 6376 3.4.4: blanks collapsed and none at a line's end, no empty lines at the end."""
    lines = [_WSP.sub(b" ", line).rstrip(b" ") for line in body.split(b"\r\n")]
    while lines and not lines[-1]:
        lines.pop()
    return b"".join(line + b"\r\n" for line in lines)


def _split(raw: bytes) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """The header fields (name, value with its folds) and the body, in CRLF line endings."""
    text = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    head, separator, body = text.partition(b"\r\n\r\n")
    if not separator and head.endswith(b"\r\n"):
        head = head[:-2]
    fields: list[tuple[bytes, bytes]] = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and fields:
            name, value = fields[-1]
            fields[-1] = (name, value + b"\r\n" + line)
        elif b":" in line:
            name, _, value = line.partition(b":")
            fields.append((name, value))
    return fields, body


def _selected(fields: list[tuple[bytes, bytes]], names: list[str]) -> list[tuple[bytes, bytes]]:
    """For each name of h=, its last instance not taken yet (RFC 6376 5.4.2); none when all are."""
    unused = list(fields)
    chosen = []
    for wanted in names:
        for index in range(len(unused) - 1, -1, -1):
            if unused[index][0].strip().lower().decode("ascii", "replace") == wanted:
                chosen.append(unused.pop(index))
                break
    return chosen


def _sign(algorithm: str, private_key: bytes, data: bytes) -> bytes:
    key = _load(algorithm, private_key)
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return key.sign(hashlib.sha256(data).digest())  # RFC 8463: Ed25519 over the SHA-256 of the data


@functools.lru_cache(maxsize=32)
def _load(algorithm: str, private_key: bytes) -> rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey:
    """The key from its stored form (a PEM for RSA, base64 of the 32-byte seed for Ed25519), parsed
    once per process."""
    try:
        if algorithm == "rsa":
            loaded = serialization.load_pem_private_key(private_key, password=None)
            if not isinstance(loaded, rsa.RSAPrivateKey):
                raise SigningError("the PEM is not an RSA private key")
            return loaded
        return ed25519.Ed25519PrivateKey.from_private_bytes(
            base64.b64decode(private_key.strip(), validate=True)
        )
    except (ValueError, TypeError) as exc:
        raise SigningError(str(exc) or type(exc).__name__) from None
