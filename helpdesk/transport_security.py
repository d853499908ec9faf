"""Which connections may carry a password: TLS, or plaintext only to this machine (or when an admin
says the network is trusted). Shared by the IMAP mailboxes and the outbound mail transports, and
pure, so a model's validation can use it without importing a protocol client."""

from __future__ import annotations

import ipaddress

SECURITY_TLS, SECURITY_STARTTLS, SECURITY_PLAIN = "tls", "starttls", "plain"


def is_loopback(host: str) -> bool:
    if host.lower() in {"localhost", "localhost.localdomain"}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_transport(*, host: str, security: str, allow_insecure: bool, protocol: str = "IMAP") -> None:
    """Refuse plaintext ``protocol`` (IMAP, SMTP) to a host that is not this machine unless explicitly
    allowed."""
    if security == SECURITY_PLAIN and not allow_insecure and not is_loopback(host):
        secure_scheme = f"{protocol.lower()}s://"
        raise ValueError(
            f"plaintext {protocol} to {host} would send the password and the mail unencrypted; use "
            f"{secure_scheme} or ?starttls=1, or add ?insecure=1 if this network is trusted"
        )
