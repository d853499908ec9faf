"""Thin django-q2 entry points (``bulk`` cluster): load by id, call the service."""

from __future__ import annotations

from notices import services


def draft_notice(notice_id: int) -> int:
    return services.draft_texts(notice_id=notice_id)


def queue_notice(notice_id: int) -> int:
    return services.queue_recipients(notice_id=notice_id)


def decide_ab_tests() -> int:
    return services.decide_tests()
