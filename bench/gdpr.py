"""GDPR export and erasure of one contact with N messages (10 a ticket, each with raw mail and a 64 KiB
attachment), for two sizes in the same run: the zip export's peak Python memory must stay far below the
zip's size and grow slower than it (streamed), and the printed ratios compare the larger contact with
the smaller one measured just before.

Usage: make bench BENCH=gdpr  (options after --: --small N --large N)
"""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
import time
import tracemalloc
from typing import Any

from bench._fresh_db import in_fresh_database
from bench._results import record

PER_TICKET = 10


def _contact_with(n: int, tag: str) -> Any:
    from django.core.files.base import ContentFile

    from helpdesk.models import Attachment, Contact, InboundEmail, Message, Ticket

    contact = Contact.objects.create(email=f"person-{tag}@kund.example", name=f"Person {tag}")
    body = "Hej! Var är min order? " * 100
    ticket = Ticket(pk=None)
    for number in range(n):
        if number % PER_TICKET == 0:  # a customer's history: many tickets of a few messages each
            ticket = Ticket.objects.create(subject=f"Order question {tag} {number}", contact=contact)
        raw = f"From: {contact.email}\r\nSubject: q{number}\r\n\r\n{body}\r\n".encode()
        digest = hashlib.sha256(f"{tag}{number}".encode()).hexdigest()
        inbound = InboundEmail.objects.create(
            raw=raw, size=len(raw), sha256=digest, dedup_key=f"raw:{digest}", status="processed"
        )
        message = Message.objects.create(
            ticket=ticket,
            direction="inbound",
            contact=contact,
            from_address=contact.email,
            subject=f"q{number}",
            body_text=body,
            visible_text=body,
            inbound_email=inbound,
        )
        attachment = Attachment(message=message, filename="scan.bin", size=64 * 1024, sha256=digest)
        attachment.file.save(f"scan-{tag}-{number}.bin", ContentFile(os.urandom(64 * 1024)), save=False)
        attachment.save()
    return contact


def _measure(contact: Any) -> dict[str, float]:
    from privacy import services

    tracemalloc.start()
    started = time.perf_counter()
    size = sum(
        len(chunk)
        for chunk in services.export_contact(contact=contact, actor=None, system="bench", kind="zip")
    )
    exported = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    started = time.perf_counter()
    services.erase_contact(contact=contact, actor=None, system="bench", reason="bench")
    erased = time.perf_counter() - started
    return {"bytes": size, "peak": peak, "export_s": exported, "erase_s": erased}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench gdpr")
    parser.add_argument("--small", type=int, default=250)
    parser.add_argument("--large", type=int, default=1000)
    options = parser.parse_args(argv)

    def run() -> int:
        from django.test import override_settings

        with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
            small = _measure(_contact_with(options.small, "small"))
            large = _measure(_contact_with(options.large, "large"))
        for label, n, row in (("small", options.small, small), ("large", options.large, large)):
            print(
                f"{label:5} N={n:5}  zip {row['bytes'] / 2**20:7.1f} MiB  "
                f"peak Python memory {row['peak'] / 2**20:6.2f} MiB  "
                f"export {row['export_s']:6.2f} s  erase {row['erase_s']:6.2f} s"
            )
        ratio = {key: large[key] / small[key] for key in small}
        print(
            f"N x{options.large / options.small:.1f}: zip x{ratio['bytes']:.1f}, "
            f"peak memory x{ratio['peak']:.2f}"
        )
        print(f"  export time x{ratio['export_s']:.1f}, erase time x{ratio['erase_s']:.1f}")
        # Streamed: the peak stays far below the zip's size and grows slower than it (ids and the zip's
        # central directory grow with the number of files; the bytes must not).
        flat = large["peak"] < large["bytes"] / 4 and ratio["peak"] < ratio["bytes"]
        record(
            f"zip export peak memory, N={options.large}",
            large["peak"] / 2**20,
            "MiB",
            baseline=f"the same export, N={options.small}",
            baseline_value=small["peak"] / 2**20,
            higher_is_better=False,
            goal="under a quarter of the zip, growing slower than it",
            met=flat,
        )
        record(
            f"erasure, N={options.large}",
            large["erase_s"],
            "s",
            baseline=f"erasure, N={options.small}",
            baseline_value=small["erase_s"],
            higher_is_better=False,
        )
        return 0 if flat else 1

    return in_fresh_database("gdpr", run)
