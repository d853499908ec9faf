"""Draft quality on our own evaluation set: realistic customer mail in five languages against the demo ERP.

Runs in a fresh database created next to ``DATABASE_URL``'s (``test_<name>``, dropped afterwards):
migrate, ``seed_demo``, then every mail of ``bench/quality/mails_*.toml`` goes through ingest
(stored raw, parsed, threaded: visible text, quoted history and signature split as for real mail)
and is drafted by the embedded drafter, each draft timed. ``score.py`` scores each draft; the
report prints per category and per language: language, facts true, required facts present,
citations right, nothing leaked, flagged when it must be, reads well, and the total; then the goals
of issue 15 (0 leaks, 100 % of foreign, unknown and injected mail routed, >= 95 % of all checks)
and the drafting time per draft against the ERP lookups alone (the same baseline as ``bench drafts``).

Exit status 1 when a leak or an unrouted mail is found.

Usage: python -m bench quality -- [--only sv,foreign] [--show] [--drafts] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from bench._fresh_db import in_fresh_database
from bench._results import record
from bench.drafts import erp_baseline
from bench.quality.score import (
    HERE,
    DraftView,
    Foreign,
    Mail,
    goals,
    load_mails,
    p95,
    problems,
    report,
    score,
)

UNSEEN = HERE / "unseen"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench quality")
    parser.add_argument("--only", default="", help="languages or categories, comma-separated")
    parser.add_argument("--show", action="store_true", help="print the drafts that fail a check")
    parser.add_argument("--drafts", action="store_true", help="print every draft")
    parser.add_argument("--json", default="", help="write each mail's checks to this file")
    args = parser.parse_args(argv)
    only = [part for part in args.only.split(",") if part]
    mails = load_mails(only=only) + load_mails(UNSEEN, only=only)
    return in_fresh_database("quality", lambda: _run(mails, args))


def _run(mails: list[Mail], args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    settings.HELPDESK_SENDER_RATE_LIMIT = 0  # a few senders write many mails within the hour here
    messages = ingest(mails)
    print(
        f"{len(mails)} mails in {len({m.language for m in mails})} languages (PostgreSQL, embedded drafter)"
    )
    cache.clear()
    baseline = erp_baseline(messages)
    cache.clear()
    results, timings, views = [], [], {}
    for mail, message in zip(mails, messages, strict=True):
        draft, elapsed = draft_timed(message)
        timings.append(elapsed)
        view = draft_view(draft)
        views[mail.id] = view
        results.append((mail, score(mail, view, foreign_for(mail.address))))
    unseen_ids = {mail.id for mail in load_mails(UNSEEN)}
    ok = True
    for title, part in (
        (
            "the evaluation set (bench/quality/mails_*.toml)",
            [r for r in results if r[0].id not in unseen_ids],
        ),
        (
            "mails the drafter was never tuned on (bench/quality/unseen/)",
            [r for r in results if r[0].id in unseen_ids],
        ),
    ):
        if not part:
            continue
        print(f"== {title}")
        print(report(part))
        figures = goals(part)
        print(
            f"goals: leaks {figures['leaks']} (goal 0); routed to a supervisor {figures['routed']}/"
            f"{figures['must_route']} foreign, unknown and injected mails (goal all); "
            f"checks passed {figures['checks_passed']}% (goal >= 95%)"
        )
        ok = ok and figures["leaks"] == 0 and figures["routed"] == figures["must_route"]
        record(
            f"quality: checks passed ({title[:40]})",
            figures["checks_passed"],
            "%",
            goal=f">= 95%; leaks {figures['leaks']} (goal 0); routed "
            f"{figures['routed']}/{figures['must_route']} (goal all)",
            met=figures["checks_passed"] >= 95
            and figures["leaks"] == 0
            and figures["routed"] == figures["must_route"],
        )
    record(
        "quality: draft time p95",
        p95(timings),
        "ms",
        baseline="ERP lookups alone p95",
        baseline_value=p95(baseline),
        higher_is_better=False,
        goal="p95 < 100 ms",
        met=p95(timings) < 100,
    )
    print(
        f"draft time: median {statistics.median(timings):.1f} ms, p95 {p95(timings):.1f} ms (goal < 100 ms); "
        f"ERP lookups alone median {statistics.median(baseline):.2f} ms, p95 {p95(baseline):.2f} ms; "
        f"ratio at p95 {p95(timings) / max(p95(baseline), 0.001):.1f}x"
    )
    for mail, checks in results:
        failed = [name for name, ok in checks.items() if ok is False]
        if (args.show and failed) or args.drafts:
            _show(mail, views[mail.id], failed)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({mail.id: checks for mail, checks in results}, out, indent=1)
    return 0 if ok else 1


def build_mail(mail: Mail) -> bytes:
    message = EmailMessage()
    message["From"] = mail.sender
    message["To"] = "Nordlager Support <support@nordlager.example>"
    message["Subject"] = mail.subject
    message["Message-ID"] = f"<{mail.id}@bench.quality>"
    message["Date"] = format_datetime(_now())
    message.set_content(mail.body)
    return message.as_bytes()


def ingest(mails: list[Mail]) -> list[Any]:
    """Store every mail raw and run ingest on it, as a poll would; the customer messages in order."""
    from helpdesk.ingest.services import process_stored, store_raw_email
    from helpdesk.models import Message

    for mail in mails:
        store_raw_email(raw=build_mail(mail))
    process_stored(mailbox=None)
    by_id = {m.message_id: m for m in Message.objects.filter(message_id__endswith="@bench.quality>")}
    return [by_id[f"<{mail.id}@bench.quality>"] for mail in mails]


def draft_timed(message: Any) -> tuple[Any, float]:
    from drafts import generation
    from drafts.models import Draft

    draft = generation.create_draft(message_id=message.pk) or Draft.objects.get(in_reply_to=message)
    started = time.perf_counter()
    draft = generation.generate_draft(draft_id=draft.pk)
    return draft, (time.perf_counter() - started) * 1000


def draft_view(draft: Any) -> DraftView:
    understanding = draft.understanding or {}
    trace = getattr(draft, "trace", None)
    return DraftView(
        language=draft.language,
        intents=list(understanding.get("intents") or [draft.intent]),
        subject=draft.subject,
        body=draft.body,
        flags=list(draft.flags),
        cited=list(draft.citations.values_list("fact_id", flat=True)),
        claims=list(draft.claims),
        supervisor_reasons=_content_reasons(draft),
        trace_fact_ids=[row["id"] for row in (trace.facts if trace else [])],
        attachments=list(draft.attachments.values_list("filename", flat=True)),
    )


def _content_reasons(draft: Any) -> list[str]:
    """Why a supervisor must approve, from the draft's content alone. The reasons about its recipients
    (``policy.recipient_reasons``: an unauthenticated sender, Cc strangers) are left out: the bench's
    mail is unsigned, so they would route every draft that cites a record and hide what drafting did.
    ``getattr``: the bench also runs on code from before that rule, for a before/after."""
    from drafts import policy

    if not draft.is_reviewable:
        return ["not reviewable"]
    recipients: list[str] = getattr(policy, "recipient_reasons", lambda draft: [])(draft)
    return [reason for reason in policy.supervisor_reasons(draft) if reason not in recipients]


def foreign_for(address: str) -> Foreign:
    """Everything of the demo ERP that does not belong to the customer of ``address`` (all of it
    when the ERP does not know the address)."""
    from django.db.models import Q

    from integrations.models import ErpCustomer, ErpInvoice, ErpOrder, ErpShipment

    own = ErpCustomer.objects.filter(Q(email__iexact=address) | Q(contacts__email__iexact=address)).first()
    number = own.number if own else None
    prefixes: list[str] = []
    values: list[str] = []
    for order in ErpOrder.objects.exclude(customer__number=number):
        prefixes += [f"order:{order.number}#", f"order_line:{order.number}/"]
        values += [order.number, order.customer_reference, order.delivery_street]
    for shipment in ErpShipment.objects.exclude(order__customer__number=number):
        prefixes.append(f"shipment:{shipment.tracking_number}#")
        # getattr: the bench also runs on code from before the Swedish notes, for a before/after.
        values += [shipment.tracking_number, shipment.status_note, getattr(shipment, "status_note_sv", "")]
    for invoice in ErpInvoice.objects.exclude(customer__number=number):
        prefixes.append(f"invoice:{invoice.number}#")
        values += [invoice.number, *_amount_forms(invoice.amount)]
    for customer in ErpCustomer.objects.exclude(number=number):
        prefixes.append(f"customer:{customer.number}#")
        values += [customer.number, customer.street]
    return Foreign(tuple(prefixes), tuple(v for v in dict.fromkeys(values) if v and len(v) >= 4))


def _amount_forms(amount: Any) -> list[str]:
    english = f"{amount:,.2f}"
    return [
        f"{amount:.2f}",
        english,
        english.replace(",", "\u00a0").replace(".", ","),
        english.replace(",", " ").replace(".", ","),
        english.replace(",", "#").replace(".", ",").replace("#", "."),
    ]


def _show(mail: Mail, view: DraftView, failed: list[str]) -> None:
    print("=" * 100)
    print(f"{mail.id} [{mail.category}, {mail.language}] failed: {', '.join(failed) or 'nothing'}")
    print(f"  found: language {view.language}, intents {view.intents}, flags {view.flags}")
    print(f"  supervisor: {view.supervisor_reasons}")
    print(f"  problems: {problems(mail, view, foreign_for(mail.address))}")
    print(f"  subject: {view.subject}")
    print("  " + view.body.replace("\n", "\n  "))


def _now() -> Any:
    from django.utils import timezone

    return timezone.now()
