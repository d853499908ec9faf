"""Read settings from the environment, refusing junk with a message that names the variable.

Every helper raises ``ImproperlyConfigured`` so a wrong value stops start-up instead of being
silently replaced by a default. Secrets may also come from a file named by ``NAME_FILE``
(Docker and systemd credentials), which wins over ``NAME``.
"""

from __future__ import annotations

import ipaddress
import math
import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str | None = None) -> str | None:
    """Return the variable's value, or ``default`` when it is unset or empty."""
    value = os.environ.get(name, "").strip()
    return value if value else default


def env_bool(name: str, default: bool) -> bool:
    """Return a boolean; only 1/0, true/false, yes/no and on/off are accepted."""
    raw = env_str(name)
    if raw is None:
        return default
    lowered = raw.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no or on/off.")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return an integer within the optional bounds."""
    raw = env_str(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below the minimum of {minimum}.")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name}={value} is above the maximum of {maximum}.")
    return value


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    """Return a number (seconds, ratios) at or above the optional minimum."""
    raw = env_str(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number.") from None
    if not math.isfinite(value):  # float() reads "nan" and "inf", and NaN passes any minimum
        raise ImproperlyConfigured(f"{name}={raw!r} is not a finite number.")
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below the minimum of {minimum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    """Return a comma-separated list with blanks dropped."""
    raw = env_str(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: set[str]) -> str:
    """Return one of ``choices``."""
    value = env_str(name, default) or default
    if value not in choices:
        allowed = ", ".join(sorted(choices))
        raise ImproperlyConfigured(f"{name}={value!r} is not one of: {allowed}.")
    return value


def env_secret(name: str, default: str | None = None) -> str | None:
    """Return a secret from ``NAME_FILE`` (a path) or ``NAME``."""
    path = env_str(f"{name}_FILE")
    if path is not None:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path!r} cannot be read: {exc.strerror}.") from None
    return env_str(name, default)


def env_nameservers(name: str) -> list[tuple[str, int]]:
    """DNS servers as (address, port) from ``host``, ``host:port`` or ``[v6]:port``, comma-separated."""
    servers = []
    for item in env_list(name, []):
        host, port = item, "53"
        if item.startswith("["):
            host, _sep, rest = item[1:].partition("]")
            port = rest.removeprefix(":") or "53"
        elif item.count(":") == 1:
            host, port = item.split(":")
        try:
            address = str(ipaddress.ip_address(host))
            number = int(port)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}={item!r} is not an IP address with an optional :port."
            ) from None
        if not 0 < number < 65536:
            raise ImproperlyConfigured(f"{name}={item!r} has a port outside 1-65535.")
        servers.append((address, number))
    return servers


def check_fernet_keys(name: str, keys: list[str], *, hint: str) -> None:
    """Every key must be a url-safe base64 Fernet key of 32 bytes; a bad one would fail every decryption
    at run time (every poll, the mailbox admin page) instead of at start-up."""
    from cryptography.fernet import Fernet

    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            where = f" (key {position} of {len(keys)})" if len(keys) > 1 else ""
            raise ImproperlyConfigured(
                f"{name} is not a url-safe base64 Fernet key of 32 bytes{where}; create one with: {hint}"
            ) from None


def check_private_key(name: str, pem: str) -> None:
    """A PEM private key (RSA or Ed25519) that the signing code can load."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"{name} is not an unencrypted PEM private key ({exc}).") from None


def check_time_zone(name: str, value: str) -> str:
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a time zone name such as Europe/Stockholm."
        ) from None
    return value
