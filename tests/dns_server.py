"""A small authoritative DNS server on 127.0.0.1 for tests (dnslib), and DKIM keys to publish in it.

Tests point ``HELPDESK_DNS_RESOLVER`` at it, so sender authentication runs real DNS queries over UDP
without the internet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dkim
from dnslib import MX, PTR, QTYPE, RCODE, RR, TXT, A
from dnslib.server import BaseResolver, DNSLogger, DNSServer

from delivery.dkim import dns_record, generate


class ZoneResolver(BaseResolver):
    def __init__(self) -> None:
        self.records: dict[tuple[str, str], list[RR]] = {}
        self.queries: list[tuple[str, str]] = []

    def add_txt(self, name: str, text: str | bytes) -> None:
        data = text.encode() if isinstance(text, str) else text
        chunks = [data[i : i + 255] for i in range(0, len(data), 255)] or [b""]
        self._add(name, "TXT", TXT(chunks))

    def add_a(self, name: str, address: str) -> None:
        self._add(name, "A", A(address))

    def add_mx(self, name: str, host: str, preference: int = 10) -> None:
        self._add(name, "MX", MX(host, preference))

    def add_ptr(self, name: str, host: str) -> None:
        self._add(name, "PTR", PTR(host))

    def _add(self, name: str, qtype: str, rdata: Any) -> None:
        key = (name.lower().rstrip("."), qtype)
        self.records.setdefault(key, []).append(
            RR(name.rstrip(".") + ".", getattr(QTYPE, qtype), rdata=rdata, ttl=60)
        )

    def clear(self) -> None:
        self.records.clear()
        self.queries.clear()

    def resolve(self, request: Any, handler: Any) -> Any:
        reply = request.reply()
        name = str(request.q.qname).lower().rstrip(".")
        qtype = QTYPE[request.q.qtype]
        self.queries.append((name, qtype))
        answers = self.records.get((name, qtype))
        if answers:
            for rr in answers:
                reply.add_answer(rr)
        elif not any(known == name for known, _type in self.records):
            reply.header.rcode = RCODE.NXDOMAIN
        return reply


class LocalDns:
    """The server and its zone; ``address`` is "127.0.0.1:PORT" for ``HELPDESK_DNS_RESOLVER``."""

    def __init__(self) -> None:
        self.zone = ZoneResolver()
        quiet = DNSLogger("-recv,-send,-request,-reply,-truncated,-error,-data", prefix=False)
        self.server = DNSServer(self.zone, port=0, address="127.0.0.1", logger=quiet)
        self.server.start_thread()
        self.port = self.server.server.server_address[1]
        self.address = f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.stop()
        self.server.server.server_close()


@dataclass
class DkimKey:
    domain: str
    selector: str
    private_pem: bytes
    public_txt: str

    @classmethod
    def make(cls, domain: str, selector: str = "s1") -> DkimKey:
        private, public = generate("rsa")
        return cls(domain, selector, private, dns_record("rsa", public))

    def publish(self, dns: LocalDns) -> None:
        dns.zone.add_txt(f"{self.selector}._domainkey.{self.domain}", self.public_txt)

    def sign(self, message: bytes) -> bytes:
        signature = dkim.sign(
            message,
            self.selector.encode(),
            self.domain.encode(),
            self.private_pem,
            include_headers=[b"from", b"to", b"cc", b"subject", b"date", b"message-id"],
        )
        return bytes(signature) + message
