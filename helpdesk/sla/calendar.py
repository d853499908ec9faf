"""Business time: opening hours in a time zone, minus public holidays and the company's own closed days.

Pure arithmetic, no database: ``BusinessCalendar.add`` answers "when have N business seconds passed
since this moment" and ``BusinessCalendar.seconds_between`` "how many business seconds lie between these
two moments". Opening hours are wall-clock times of the calendar's zone, so a day with a daylight saving
change has its real length (an opening from 00:00 to 24:00 is 23 or 25 hours that day). Holidays come
from the maintained ``holidays`` library, by country (ISO 3166 code) and optional subdivision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

UTC = dt.UTC
MIDNIGHT = dt.time(0, 0)
# How far ahead a deadline is searched for: a calendar open one day a year still finds it.
MAX_DAYS = 800

Window = tuple[dt.time, dt.time]


class NoBusinessHours(ValueError):
    """The calendar never opens (no opening hours, or every day closed), so no deadline exists."""


def never_closed(day: dt.date) -> bool:
    return False


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekly opening hours (Monday = 0) in ``time_zone``; ``closed(day)`` says a date is a holiday.

    A window ``(opens, closes)`` with ``closes`` at 00:00 runs to the end of the day.
    """

    time_zone: ZoneInfo
    hours: Mapping[int, Sequence[Window]]
    closed: Callable[[dt.date], bool] = field(default=never_closed)

    def windows(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The open spans of a local date as UTC instants, earliest first; none on a closed day."""
        spans = self.hours.get(day.weekday(), ())
        if not spans or self.closed(day):
            return []
        result = []
        for opens, closes in spans:
            end_day = day + dt.timedelta(days=1) if closes == MIDNIGHT else day
            start = dt.datetime.combine(day, opens, tzinfo=self.time_zone).astimezone(UTC)
            end = dt.datetime.combine(end_day, closes, tzinfo=self.time_zone).astimezone(UTC)
            if end > start:
                result.append((start, end))
        return sorted(result)

    def add(self, start: dt.datetime, seconds: float) -> dt.datetime:
        """The moment ``seconds`` of business time after ``start`` (``start`` itself for 0)."""
        start = start.astimezone(UTC)
        if seconds <= 0:
            return start
        remaining = float(seconds)
        for day in self._days_from(start):
            for opens, closes in self.windows(day):
                if closes <= start:
                    continue
                opens = max(opens, start)
                span = (closes - opens).total_seconds()
                if span >= remaining:
                    return opens + dt.timedelta(seconds=remaining)
                remaining -= span
        raise NoBusinessHours(f"no business hours within {MAX_DAYS} days")

    def seconds_between(self, start: dt.datetime, end: dt.datetime) -> float:
        """Business seconds between two moments (0 when ``end`` is not after ``start``)."""
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        total = 0.0
        if end <= start:
            return total
        last = end.astimezone(self.time_zone).date()
        for day in self._days_from(start):
            if day > last:
                break
            for opens, closes in self.windows(day):
                overlap = (min(closes, end) - max(opens, start)).total_seconds()
                total += max(overlap, 0.0)
        return total

    def _days_from(self, moment: dt.datetime) -> Iterator[dt.date]:
        if not any(self.hours.get(weekday) for weekday in range(7)):
            raise NoBusinessHours("the calendar has no opening hours")
        first = moment.astimezone(self.time_zone).date()
        return (first + dt.timedelta(days=n) for n in range(MAX_DAYS))


def round_the_clock(time_zone: ZoneInfo) -> BusinessCalendar:
    """Every hour of every day: what a queue without a calendar measures in."""
    return BusinessCalendar(time_zone=time_zone, hours={day: [(MIDNIGHT, MIDNIGHT)] for day in range(7)})


@lru_cache(maxsize=64)
def public_holidays(country: str, subdivision: str = "", de_facto: bool = False) -> holidays.HolidayBase:
    """The ``holidays`` library's calendar of a country (years are filled in as they are asked for).

    ``de_facto`` adds the days most workplaces close although the law does not say so, where the
    library knows them (in Sweden Midsummer Eve, Christmas Eve and New Year's Eve).
    Raises ``NotImplementedError`` for a country or subdivision the library does not know.
    """
    base = holidays.country_holidays(country, subdiv=subdivision or None)
    categories: tuple[str, ...] = (holidays.PUBLIC,)
    if de_facto and holidays.DE_FACTO in base.supported_categories:
        categories += (holidays.DE_FACTO,)
        base = holidays.country_holidays(country, subdiv=subdivision or None, categories=categories)
    return base


def holiday_checker(
    country: str, subdivision: str = "", de_facto: bool = False, extra: frozenset[dt.date] = frozenset()
) -> Callable[[dt.date], bool]:
    """``closed(day)`` for a calendar: the country's holidays (none without a country) or ``extra``."""
    table = public_holidays(country.upper(), subdivision, de_facto) if country else None

    def closed(day: dt.date) -> bool:
        return day in extra or (table is not None and day in table)

    return closed
