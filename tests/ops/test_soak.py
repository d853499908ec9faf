"""The soak of ``bench/soak.py`` in short: forty seconds of mail, drafts, approvals and sends with a
fault every six seconds (each of the five kinds at least once); every invariant must hold."""

from __future__ import annotations

import pytest

from bench.soak import FAULTS, soak
from tests.helpdesk.ingest_support import is_postgresql
from tests.services import Dovecot

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("data_migrations"),
    pytest.mark.slow,
    pytest.mark.skipif(not is_postgresql(), reason="the database fault is PostgreSQL's"),
]


def test_a_short_soak_with_every_fault_keeps_every_invariant(dovecot: Dovecot, settings: object) -> None:
    report = soak(seconds=40, fault_every=6, rate=0.5, max_mails=40, seed=11)
    print("\n".join(report.lines()))
    assert set(report.faults) == set(FAULTS)
    assert report.counts["sent"] > 0
    assert report.ok, "\n".join(report.lines())
