"""Business-time arithmetic of SLA calendars: weekends, holidays, pauses, time zones, DST (no database)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from helpdesk.sla.calendar import BusinessCalendar, NoBusinessHours, holiday_checker, round_the_clock

STOCKHOLM = ZoneInfo("Europe/Stockholm")
OSLO = ZoneInfo("Europe/Oslo")
OFFICE = {day: [(dt.time(8), dt.time(17))] for day in range(5)}  # Monday to Friday, 08-17
HOUR = 3600


def office(zone: ZoneInfo = STOCKHOLM, country: str = "", de_facto: bool = True) -> BusinessCalendar:
    return BusinessCalendar(time_zone=zone, hours=OFFICE, closed=holiday_checker(country, "", de_facto))


def local(zone: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=zone)


def test_time_inside_one_day_is_wall_clock_time():
    start = local(STOCKHOLM, 2026, 3, 10, 9, 30)  # a Tuesday
    assert office().add(start, 2 * HOUR) == local(STOCKHOLM, 2026, 3, 10, 11, 30)


def test_a_friday_afternoon_deadline_skips_the_weekend():
    start = local(STOCKHOLM, 2026, 3, 13, 16, 0)  # Friday 16:00, one business hour left that day
    assert office().add(start, 4 * HOUR) == local(STOCKHOLM, 2026, 3, 16, 11, 0)  # Monday 11:00


def test_mail_before_opening_or_at_the_weekend_counts_from_the_next_opening():
    cal = office()
    assert cal.add(local(STOCKHOLM, 2026, 3, 10, 6, 0), HOUR) == local(STOCKHOLM, 2026, 3, 10, 9, 0)
    assert cal.add(local(STOCKHOLM, 2026, 3, 14, 12, 0), HOUR) == local(STOCKHOLM, 2026, 3, 16, 9, 0)
    assert cal.add(local(STOCKHOLM, 2026, 3, 10, 19, 0), HOUR) == local(STOCKHOLM, 2026, 3, 11, 9, 0)


def test_a_deadline_that_ends_at_closing_time_is_that_day_not_the_next():
    start = local(STOCKHOLM, 2026, 3, 13, 16, 0)
    assert office().add(start, HOUR) == local(STOCKHOLM, 2026, 3, 13, 17, 0)


def test_a_lunch_break_is_not_business_time():
    hours = {day: [(dt.time(8), dt.time(12)), (dt.time(13), dt.time(17))] for day in range(5)}
    cal = BusinessCalendar(time_zone=STOCKHOLM, hours=hours)
    assert cal.add(local(STOCKHOLM, 2026, 3, 10, 11, 0), 2 * HOUR) == local(STOCKHOLM, 2026, 3, 10, 14, 0)
    assert (
        cal.seconds_between(local(STOCKHOLM, 2026, 3, 10, 11), local(STOCKHOLM, 2026, 3, 10, 14)) == 2 * HOUR
    )


def test_swedish_and_norwegian_national_days_close_only_their_own_country():
    # Thursday 5 June 2025, 16:00; 6 June is Sweden's national day (a Friday), a working day in Norway.
    start_se = local(STOCKHOLM, 2025, 6, 5, 16, 0)
    start_no = local(OSLO, 2025, 6, 5, 16, 0)
    assert office(STOCKHOLM, "SE").add(start_se, 2 * HOUR) == local(STOCKHOLM, 2025, 6, 9, 9, 0)
    assert office(OSLO, "NO").add(start_no, 2 * HOUR) == local(OSLO, 2025, 6, 6, 9, 0)
    # Friday 14 May 2027, 16:00; Monday 17 May is Norway's constitution day, a working day in Sweden.
    assert office(OSLO, "NO").add(local(OSLO, 2027, 5, 14, 16), 2 * HOUR) == local(OSLO, 2027, 5, 18, 9)
    assert office(STOCKHOLM, "SE").add(local(STOCKHOLM, 2027, 5, 14, 16), 2 * HOUR) == local(
        STOCKHOLM, 2027, 5, 17, 9
    )


def test_whit_monday_is_a_holiday_in_norway_but_not_in_sweden():
    friday = (2025, 6, 6, 16, 0)  # Pentecost is Sunday 8 June 2025
    assert office(OSLO, "NO").add(local(OSLO, *friday), 2 * HOUR) == local(OSLO, 2025, 6, 10, 9, 0)
    # In Sweden that Friday is the national day, so the two hours start on Monday morning.
    assert office(STOCKHOLM, "SE").add(local(STOCKHOLM, *friday), 2 * HOUR) == local(
        STOCKHOLM, 2025, 6, 9, 10
    )


def test_easter_closes_four_days_in_sweden():
    # Thursday 2 April 2026 16:00: Good Friday and Easter Monday are holidays, the weekend between.
    start = local(STOCKHOLM, 2026, 4, 2, 16, 0)
    assert office(STOCKHOLM, "SE").add(start, 2 * HOUR) == local(STOCKHOLM, 2026, 4, 7, 9, 0)


def test_midsummer_eve_closes_only_with_customary_days_off():
    start = local(STOCKHOLM, 2026, 6, 18, 16, 0)  # Thursday; Midsummer Eve is Friday 19 June 2026
    assert office(STOCKHOLM, "SE", de_facto=True).add(start, 2 * HOUR) == local(STOCKHOLM, 2026, 6, 22, 9)
    assert office(STOCKHOLM, "SE", de_facto=False).add(start, 2 * HOUR) == local(STOCKHOLM, 2026, 6, 19, 9)


def test_the_company_s_own_closed_days_count_like_holidays():
    closed = holiday_checker("SE", "", True, frozenset({dt.date(2026, 3, 16)}))
    cal = BusinessCalendar(time_zone=STOCKHOLM, hours=OFFICE, closed=closed)
    assert cal.add(local(STOCKHOLM, 2026, 3, 13, 16), 2 * HOUR) == local(STOCKHOLM, 2026, 3, 17, 9)


def test_the_deadline_keeps_wall_clock_hours_across_the_spring_dst_change():
    # Friday 27 March 2026 16:00 CET (UTC+1); clocks go forward on Sunday 29 March; Monday is CEST (UTC+2).
    due = office(STOCKHOLM, "SE").add(local(STOCKHOLM, 2026, 3, 27, 16), 2 * HOUR)
    assert due == local(STOCKHOLM, 2026, 3, 30, 9, 0)
    assert due.astimezone(dt.UTC) == dt.datetime(2026, 3, 30, 7, 0, tzinfo=dt.UTC)


def test_a_round_the_clock_day_has_23_hours_in_spring_and_25_in_autumn():
    cal = round_the_clock(STOCKHOLM)
    spring = cal.add(local(STOCKHOLM, 2026, 3, 28, 12), 24 * HOUR)
    assert spring == local(STOCKHOLM, 2026, 3, 29, 13)  # one wall-clock hour skipped
    autumn = cal.add(local(STOCKHOLM, 2026, 10, 24, 12), 24 * HOUR)
    assert autumn == local(STOCKHOLM, 2026, 10, 25, 11)  # one wall-clock hour repeated
    day = cal.seconds_between(local(STOCKHOLM, 2026, 3, 29, 0), local(STOCKHOLM, 2026, 3, 30, 0))
    assert day == 23 * HOUR


def test_a_pause_over_the_weekend_costs_only_its_business_hours():
    cal = office(STOCKHOLM, "SE")
    paused = local(STOCKHOLM, 2026, 3, 13, 16)  # Friday 16:00
    resumed = local(STOCKHOLM, 2026, 3, 16, 10)  # Monday 10:00
    assert cal.seconds_between(paused, resumed) == 3 * HOUR
    assert cal.seconds_between(resumed, paused) == 0
    # A 4-hour target started Friday 15:00 and paused Friday 16:00 to Monday 10:00: 3 hours left at
    # 10:00, so due 13:00 (add the pause's business time to the target, as the deadlines do).
    start = local(STOCKHOLM, 2026, 3, 13, 15)
    assert cal.add(start, 4 * HOUR + cal.seconds_between(paused, resumed)) == local(
        STOCKHOLM, 2026, 3, 16, 13
    )


def test_same_instant_in_another_zone_gives_the_same_deadline():
    start = dt.datetime(2026, 3, 10, 8, 30, tzinfo=dt.UTC)  # 09:30 in Stockholm
    assert office().add(start, HOUR) == local(STOCKHOLM, 2026, 3, 10, 10, 30)


def test_midnight_closing_runs_to_the_end_of_the_day():
    cal = BusinessCalendar(time_zone=STOCKHOLM, hours={0: [(dt.time(20), dt.time(0))]})
    assert cal.add(local(STOCKHOLM, 2026, 3, 9, 21), 3 * HOUR) == local(STOCKHOLM, 2026, 3, 10, 0)
    assert cal.add(local(STOCKHOLM, 2026, 3, 9, 21), 4 * HOUR) == local(STOCKHOLM, 2026, 3, 16, 21)


def test_a_calendar_that_never_opens_has_no_deadline():
    with pytest.raises(NoBusinessHours):
        BusinessCalendar(time_zone=STOCKHOLM, hours={}).add(local(STOCKHOLM, 2026, 3, 9, 9), HOUR)
    assert round_the_clock(STOCKHOLM).add(local(STOCKHOLM, 2026, 3, 9, 9), 0) == local(
        STOCKHOLM, 2026, 3, 9, 9
    )
