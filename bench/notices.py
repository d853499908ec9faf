"""A notice to N contacts (default 10,000) against a generated demo ERP of that size.

In the same run, on the same contacts:
- audience: the ERP question (delayed shipments) and the gate's exclusions (suppression, validity,
  disposable domains, consent), stored as the notice's recipients; goal under 2 s;
- the draft pipeline alone: ``drafts.notices.draft_notice`` for every included contact, with the same
  connector lookups as ours (each batch's orders and customers at once), reading the recipients'
  fields drafting reads and storing nothing; run once before ours and once after, its time the mean
  of both (each timed run starts from a collected heap, so neither pays for the garbage of another);
- ours: ``notices.services.draft_texts`` (drafting and storing the texts, the sample) and then
  ``queue_recipients`` (a ticket and a bulk ``OutboundMessage`` each); goal >= 80 % of the pipeline's
  rate, and >= 40 notices/s; printed also as this process's CPU time a text, which other processes'
  load on a shared machine changes less than the clock (the database server's work is not in it);
- memory: the peak (tracemalloc) of drafting and queueing at N/5 and at N (flat in N), in runs of
  their own after the timed ones: tracemalloc makes every allocation cost several times more, so no
  speed is taken under it;
- pacing: 300 of the queued notices sent through the real queue to a local SMTP server in its own
  process with a bulk rate of ``--rate`` messages per second per recipient domain, all to one domain:
  the measured rate next to the configured one.

Runs in a fresh database next to ``DATABASE_URL``'s (``test_<name>``), dropped afterwards.
Usage: python -m bench notices -- [--contacts 10000] [--rate 20]
"""

from __future__ import annotations

import argparse
import gc
import logging
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from bench._fresh_db import in_fresh_database
from bench._results import record

EXCLUDED_EVERY = 20  # one contact in 20 has no consent


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench notices")
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=20.0)
    args = parser.parse_args(argv)
    logging.getLogger("django-q").setLevel(logging.WARNING)
    return in_fresh_database("notices", lambda: _run(args.contacts, args.rate))


DOMAINS = ("kund.example", "firma.example", "bolag.example")


def _address(n: int) -> str:
    """Every 97th address is at a disposable-address service."""
    return f"kund{n}@{DOMAINS[n % 3] if n % 97 else 'mailinator.com'}"


def _populate(count: int) -> None:
    from helpdesk.models import ConsentRecord, Contact
    from integrations.demo_bulk import generate_erp

    small = count // 5
    # The first fifth is late by 10 days, the rest by 5: a notice "more than 7 days" reaches N/5.
    generate_erp(count, email=_address, delay_days=lambda n: 10 if n < small else 5)
    Contact.objects.bulk_create(
        (
            Contact(email=_address(n), name=f"Anna {n}", language="sv" if n % 2 else "en")
            for n in range(count)
        ),
        batch_size=2000,
    )
    ids = dict(Contact.objects.values_list("email", "pk"))
    ConsentRecord.objects.bulk_create(
        (
            ConsentRecord(
                contact_id=ids[_address(n)], purpose="service_notices", granted=True, source="import"
            )
            for n in range(count)
            if n % EXCLUDED_EVERY
        ),
        batch_size=2000,
    )


_CPU: dict[str, float] = {}


def _timed(run: Callable[[], Any], cpu: str = "") -> tuple[Any, float]:
    """(result, seconds) of ``run()``, without tracemalloc (which makes every allocation cost several
    times more, so a speed taken under it is not the speed); with ``cpu``, this process's CPU seconds
    are kept under that name (other processes' load on a shared machine changes them less than the
    clock's). Each run starts from a collected heap, so the garbage a run before left is not collected
    during this one."""
    gc.collect()
    started, used = time.perf_counter(), time.process_time()
    try:
        result = run()
    finally:
        seconds = time.perf_counter() - started
        if cpu:
            _CPU[cpu] = _CPU.get(cpu, 0.0) + time.process_time() - used
    return result, seconds


def _peak(run: Callable[[], Any]) -> tuple[Any, int]:
    """(result, peak bytes) of ``run()`` under tracemalloc: a run of its own, not timed."""
    tracemalloc.start()
    try:
        result = run()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, peak


def _warm_up() -> None:
    """What a running worker has done long before: the URL resolver loaded (the first ``reverse``
    imports every view) and the address validator's tables read. Not part of what is measured."""
    from django.urls import reverse
    from email_validator import validate_email

    reverse("home")
    validate_email("warm@up.example", check_deliverability=False)


def _pipeline_alone(notice: Any) -> int:
    """The drafting pipeline on the notice's included contacts, storing nothing, with the connector
    lookups ours makes: each batch's orders and customers read at once (``Connector.orders`` and
    ``customers``), so the ratio is what storing and queueing cost, not how the ERP is asked."""
    from drafts.notices import Voices
    from integrations import get_connector
    from notices.models import Recipient
    from notices.services import BATCH, DRAFTING_READS

    connector, voices, count = get_connector(), Voices(), 0
    # The recipients the audience took in, whatever ours has made of them since (it runs between), with
    # the fields drafting reads: after ours their texts are written, and reading those is not drafting.
    rows = (
        Recipient.objects.filter(notice=notice)
        .exclude(status=Recipient.Status.EXCLUDED)
        .only(*DRAFTING_READS)
        .order_by("pk")
    )
    batch: list[Any] = []
    for recipient in rows.iterator(chunk_size=BATCH):
        batch.append(recipient)
        if len(batch) == BATCH:
            count += _draft_alone(connector, voices, batch, notice.kind)
            batch = []
    return count + _draft_alone(connector, voices, batch, notice.kind)


def _draft_alone(connector: Any, voices: Any, batch: list[Any], kind: str) -> int:
    from drafts.notices import draft_notice, notice_language

    orders = {order.number: order for order in connector.orders([n for r in batch for n in r.order_numbers])}
    customers = {c.number: c for c in connector.customers([r.customer_number for r in batch])}
    for recipient in batch:
        customer = customers.get(recipient.customer_number)
        draft_notice(
            kind=kind,
            name=recipient.name,
            language=notice_language(contact_language=recipient.language, customer=customer),
            customer=customer,
            orders=[orders[number] for number in recipient.order_numbers],
            voices=voices,
        )
    return len(batch)


def _ours(notice: Any, supervisor: Any) -> int:
    from notices import services
    from notices.models import Recipient

    services.start_drafting(notice=notice, user=supervisor)
    services.draft_texts(notice_id=notice.pk)
    now = time.time()
    Recipient.objects.filter(notice=notice, in_sample=True).update(
        reviewed_by=supervisor, reviewed_at=_aware(now)
    )  # the sample reviewed by a person; not what is measured
    notice.refresh_from_db()
    services.approve_notice(notice=notice, user=supervisor)
    return services.queue_recipients(notice_id=notice.pk)


def _aware(seconds: float) -> Any:
    import datetime as dt

    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def _run(count: int, rate: float) -> int:
    from django.conf import settings
    from django.contrib.auth.models import Group, User
    from django.core.cache import cache
    from django.db import connection

    from notices import services

    settings.ERP_CACHE_SECONDS = 0  # every lookup reaches the ERP, in both runs alike
    settings.HELPDESK_BASE_URL = settings.HELPDESK_BASE_URL or "https://support.bench.example"
    cache.clear()
    started = time.perf_counter()
    _populate(count)
    made = time.perf_counter() - started
    print(f"{count:,} ERP customers with late shipments, contacts and consent made in {made:.1f} s")
    supervisor = User.objects.create(username="bench-supervisor")
    supervisor.groups.add(Group.objects.get(name="supervisor"))

    _warm_up()

    def build(min_days: int) -> Any:
        return services.create_notice(
            user=supervisor, name=f"late {min_days}", kind="delayed_shipments", min_days=min_days
        )

    notice, seconds = _timed(lambda: build(2))
    counts = notice.counts
    print(
        f"audience and exclusions: {counts['audience']:,} found, {counts['included']:,} included, "
        f"excluded {counts['excluded']} in {seconds:.2f} s (goal < 2 s): {'met' if seconds < 2 else 'MISSED'}"
    )
    record(
        "notices: audience and exclusions",
        seconds,
        "s",
        higher_is_better=False,
        goal="< 2 s",
        met=seconds < 2,
    )

    # The pipeline alone runs before and after ours, and counts as the mean of both, so a load that
    # changes during the run weighs on both sides alike.
    alone, before = _timed(lambda: _pipeline_alone(notice), cpu="alone")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    queued, ours_seconds = _timed(lambda: _ours(notice, supervisor), cpu="ours")
    again, after = _timed(lambda: _pipeline_alone(notice), cpu="alone")
    assert again == alone, "the pipeline alone drafted other contacts after ours"
    alone_seconds = (before + after) / 2
    print(
        f"draft pipeline alone: {alone:,} texts in {alone_seconds:.1f} s = {alone / alone_seconds:.0f}/s "
        f"(the mean of a run before ours, {alone / before:.0f}/s, and one after, {alone / after:.0f}/s)"
    )
    alone_rate, ours_rate = alone / alone_seconds, queued / ours_seconds
    ratio = ours_rate / alone_rate
    print(
        f"ours, drafting + storing + queueing: {queued:,} in {ours_seconds:.1f} s = {ours_rate:.0f}/s "
        f"= {100 * ratio:.0f} % of the pipeline alone (goal >= 80 %): {'met' if ratio >= 0.8 else 'MISSED'}; "
        f">= 40/s: {'met' if ours_rate >= 40 else 'MISSED'}"
    )
    # The database server's work (the rows ours writes) is not this process's CPU: a check, not the goal.
    alone_cpu, ours_cpu = _CPU["alone"] / (2 * alone), _CPU["ours"] / queued
    print(
        f"CPU of this process: the pipeline alone {1000 * alone_cpu:.2f} ms a text, ours "
        f"{1000 * ours_cpu:.2f} ms = {100 * alone_cpu / ours_cpu:.0f} %"
    )

    # Memory in runs of their own under tracemalloc: a notice to the first fifth, then to everyone.
    _q, alone_peak = _peak(lambda: _pipeline_alone(notice))
    small = build(7)
    _q, small_peak = _peak(lambda: _ours(small, supervisor))
    everyone = build(2)
    _q, ours_peak = _peak(lambda: _ours(everyone, supervisor))
    record(
        "notices: drafting and queueing",
        ours_rate,
        "notices/s",
        baseline="the draft pipeline alone, same contacts",
        baseline_value=alone_rate,
        goal=">= 80% of the pipeline and >= 40/s",
        met=ratio >= 0.8 and ours_rate >= 40,
        peak_mib=ours_peak / 2**20,
    )
    print(
        f"memory, drafting + queueing: peak {small_peak / 2**20:.1f} MiB at {small.counts['included']:,} "
        f"contacts, {ours_peak / 2**20:.1f} MiB at {queued:,} (pipeline alone {alone_peak / 2**20:.1f} MiB); "
        f"ratio {ours_peak / max(small_peak, 1):.2f} "
        f"for {queued / max(small.counts['included'], 1):.1f}x the contacts"
    )
    return _paced(rate)


def _paced(rate: float) -> int:
    from django.conf import settings
    from django.utils import timezone

    from bench.send import Sink
    from delivery.models import OutboundMessage
    from delivery.queue import send_pass
    from helpdesk.models import ConsentRecord, Contact

    sample = 300
    keep = list(
        OutboundMessage.objects.filter(stream="bulk").order_by("pk").values_list("pk", flat=True)[:sample]
    )
    OutboundMessage.objects.filter(stream="bulk").exclude(pk__in=keep).update(
        status=OutboundMessage.Status.CANCELLED, updated_at=timezone.now()
    )
    # All to one consenting address of one domain, so the domain's rate is what limits the pass.
    pace = Contact.objects.create(email="kund@pace.example", language="sv")
    ConsentRecord.objects.create(contact=pace, purpose="service_notices", granted=True, source="import")
    OutboundMessage.objects.filter(pk__in=keep).update(to_addresses=[pace.email])
    with Sink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", sink.port, False
        settings.DELIVERY_BULK_DOMAIN_RATES = f"*={rate:g}"
        started = time.perf_counter()
        result = send_pass(stream="bulk")
        seconds = time.perf_counter() - started
        received = sink.count
    measured = (result.counts["sent"] - 1) / seconds if seconds else 0.0
    print(
        f"paced sending: {result.counts['sent']} notices to one domain at a configured {rate:g}/s: "
        f"measured {measured:.1f}/s over {seconds:.1f} s ({100 * measured / rate:.0f} % of the rate); "
        f"the server counted {received}"
    )
    record(
        "notices: paced sending to one domain",
        measured,
        "msgs/s",
        baseline="the configured rate",
        baseline_value=rate,
        goal="the configured rate, not more",
        met=measured <= rate * 1.05,
    )
    return 0
