"""The working-day calendar against China's official 2026 schedule.

国务院办公厅关于2026年部分节假日安排的通知: 元旦 Jan 1–3 off, Sun Jan 4 works;
春节 Feb 15–23 off, Sat Feb 14 and Sat Feb 28 work; 清明 Apr 4–6; 劳动节 May 1–5
off, Sat May 9 works; 端午 Jun 19–21; 中秋 Sep 25–27; 国庆 Oct 1–7 off, Sun Sep 20
and Sat Oct 10 work.  Each expected date below is also checked against the
``chinese_calendar`` package in ``test_expected_dates_agree_with_package``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from hotline.sla.calendar import END_OF_DAY, UnknownCalendarYear, WorkCalendar

SH = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def eod(y: int, m: int, d: int) -> datetime:
    return datetime.combine(date(y, m, d), END_OF_DAY, tzinfo=SH)


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


OFF_2026 = [
    date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3),
    date(2026, 2, 15), date(2026, 2, 16), date(2026, 2, 20), date(2026, 2, 23),
    date(2026, 4, 6), date(2026, 5, 1), date(2026, 5, 5), date(2026, 6, 19), date(2026, 9, 25),
    date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5), date(2026, 10, 7),
    date(2026, 10, 11),  # an ordinary Sunday
]  # fmt: skip
WORK_2026 = [
    date(2026, 1, 4),  # Sunday, 元旦 make-up
    date(2026, 2, 14), date(2026, 2, 28),  # Saturdays, 春节 make-up
    date(2026, 5, 9),  # Saturday, 劳动节 make-up
    date(2026, 9, 20), date(2026, 10, 10),  # Sunday and Saturday, 国庆 make-up
    date(2026, 2, 24), date(2026, 10, 8),  # first days back
]  # fmt: skip


@pytest.mark.parametrize("d", OFF_2026)
def test_official_2026_days_off(cal: WorkCalendar, d: date) -> None:
    assert cal.is_workday(d) is False


@pytest.mark.parametrize("d", WORK_2026)
def test_official_2026_working_days_including_make_up_weekends(cal: WorkCalendar, d: date) -> None:
    assert cal.is_workday(d) is True


def test_expected_dates_agree_with_package() -> None:
    for d in OFF_2026:
        assert not chinese_calendar.is_workday(d), d
    for d in WORK_2026:
        assert chinese_calendar.is_workday(d), d


# ---- working days ----------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        # National Day: Oct 1–7 off, Sat Oct 10 works.
        (at(2026, 9, 30, 16), 3, eod(2026, 10, 10)),
        (at(2026, 9, 30, 16), 1, eod(2026, 10, 8)),
        (at(2026, 9, 30, 16), 4, eod(2026, 10, 12)),
        # Sun Sep 20 is a make-up day; Fri Sep 25 is 中秋.
        (at(2026, 9, 18, 10), 1, eod(2026, 9, 20)),
        (at(2026, 9, 24, 10), 1, eod(2026, 9, 28)),
        # Spring Festival: Sat Feb 14 works, Feb 15–23 off, Sat Feb 28 works.
        (at(2026, 2, 13, 10), 1, eod(2026, 2, 14)),
        (at(2026, 2, 13, 10), 3, eod(2026, 2, 25)),
        (at(2026, 2, 27, 10), 1, eod(2026, 2, 28)),
        (at(2026, 2, 27, 10), 2, eod(2026, 3, 2)),
        # Year end: Jan 1–3 off, Sun Jan 4 works.
        (at(2025, 12, 31, 9), 1, eod(2026, 1, 4)),
        (at(2025, 12, 31, 9), 2, eod(2026, 1, 5)),
        # Dispatched on a holiday or a weekend: the start day still does not count.
        (at(2026, 2, 16, 10), 1, eod(2026, 2, 24)),
        (at(2026, 10, 3, 10), 3, eod(2026, 10, 10)),
        (at(2026, 3, 7, 10), 1, eod(2026, 3, 9)),  # a Saturday
        # Late in the day: the start day is not lost and not counted.
        (at(2026, 3, 2, 23, 50), 1, eod(2026, 3, 3)),
    ],
)
def test_add_working_days(cal: WorkCalendar, start: datetime, n: int, due: datetime) -> None:
    result = cal.add_working_days(start, n)
    assert result.at == due
    assert result.uncertain is False
    assert cal.working_days_between(start, result.at) == n


def test_working_days_use_the_local_date_not_utc(cal: WorkCalendar) -> None:
    # 2026-09-30T17:00Z is already Oct 1 in Shanghai: a holiday, so the count starts after it.
    start = datetime(2026, 9, 30, 17, 0, tzinfo=ZoneInfo("UTC"))
    assert cal.add_working_days(start, 1).at == eod(2026, 10, 8)


def test_zero_working_days_is_end_of_the_start_day(cal: WorkCalendar) -> None:
    assert cal.add_working_days(at(2026, 3, 2, 9), 0).at == eod(2026, 3, 2)


def test_outputs_are_aware_and_in_the_calendar_zone(cal: WorkCalendar) -> None:
    start = datetime(2026, 3, 2, 1, 0, tzinfo=ZoneInfo("UTC"))
    for d in (
        cal.add_working_days(start, 1),
        cal.add_working_minutes(start, 60),
        cal.add_natural(start, timedelta(hours=1)),
    ):
        assert d.at.tzinfo is not None
        assert d.at.utcoffset() == timedelta(hours=8)


# ---- working hours ---------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "minutes", "due"),
    [
        (at(2026, 3, 2, 9), 60, at(2026, 3, 2, 10)),
        (at(2026, 3, 2, 11), 120, at(2026, 3, 2, 15)),  # crosses lunch
        (at(2026, 3, 2, 10), 120, at(2026, 3, 2, 12)),  # runs out exactly at 12:00
        (at(2026, 3, 2, 12, 30), 60, at(2026, 3, 2, 15)),  # starts at lunch
        (at(2026, 3, 2, 7), 60, at(2026, 3, 2, 9, 30)),  # before work
        (at(2026, 3, 2, 17), 120, at(2026, 3, 3, 10)),  # crosses the evening
        (at(2026, 3, 2, 20), 30, at(2026, 3, 3, 9)),  # starts in the evening
        (at(2026, 3, 6, 17), 120, at(2026, 3, 9, 10)),  # crosses a weekend
        (at(2026, 9, 30, 17), 120, at(2026, 10, 8, 10)),  # crosses National Day
        (at(2026, 2, 13, 17), 120, at(2026, 2, 14, 10)),  # into the Sat make-up day
        (at(2026, 10, 10, 9), 60, at(2026, 10, 10, 10)),  # on the Sat make-up day
        (at(2026, 3, 2, 9), 7 * 60, at(2026, 3, 3, 9)),  # a whole working day
        (at(2026, 3, 2, 9), 0, at(2026, 3, 2, 9)),
    ],
)
def test_add_working_minutes(cal: WorkCalendar, start: datetime, minutes: int, due: datetime) -> None:
    result = cal.add_working_minutes(start, minutes)
    assert result.at == due
    assert result.uncertain is False


def test_working_minutes_between(cal: WorkCalendar) -> None:
    assert cal.working_minutes_between(at(2026, 3, 2, 11), at(2026, 3, 2, 15)) == 120
    assert cal.working_minutes_between(at(2026, 9, 30, 17), at(2026, 10, 8, 10)) == 120
    assert cal.working_minutes_between(at(2026, 3, 2, 0), at(2026, 3, 3, 0)) == 420
    assert cal.working_minutes_between(at(2026, 10, 1), at(2026, 10, 8)) == 0
    assert cal.working_minutes_between(at(2026, 3, 2, 15), at(2026, 3, 2, 11)) == -120
    assert cal.minutes_per_day == 420


def test_working_days_between(cal: WorkCalendar) -> None:
    assert cal.working_days_between(at(2026, 9, 30, 16), at(2026, 10, 10, 9)) == 3
    assert cal.working_days_between(at(2026, 3, 2, 9), at(2026, 3, 2, 17)) == 0
    assert cal.working_days_between(at(2026, 10, 10), at(2026, 9, 30)) == -3


def test_add_natural_counts_every_hour(cal: WorkCalendar) -> None:
    result = cal.add_natural(at(2026, 9, 30, 16), timedelta(hours=72))
    assert result.at == at(2026, 10, 3, 16)
    assert result.uncertain is False


# ---- unknown years and overrides --------------------------------------------


def test_unknown_year_is_refused_by_default(cal: WorkCalendar) -> None:
    with pytest.raises(UnknownCalendarYear) as err:
        cal.is_workday(date(2028, 3, 1))
    assert err.value.year == 2028
    assert isinstance(err.value, ValueError)
    with pytest.raises(UnknownCalendarYear):
        cal.add_working_days(at(2028, 3, 1, 9), 3)
    with pytest.raises(UnknownCalendarYear):  # runs from a known year into an unknown one
        cal.add_working_days(at(2026, 12, 30, 9), 3)


def test_unknown_year_guessed_is_flagged() -> None:
    cal = WorkCalendar(unknown_year="weekends")
    assert cal.day_status(date(2028, 3, 1)) == (True, True)
    assert cal.day_status(date(2028, 3, 4)) == (False, True)  # a Saturday
    result = cal.add_working_days(at(2028, 3, 3, 9), 1)  # Friday
    assert result.at == eod(2028, 3, 6)
    assert result.uncertain is True
    assert cal.add_working_minutes(at(2028, 3, 3, 9), 60).uncertain is True
    # Crossing from the known 2026 into the unknown 2027 is flagged too.
    crossing = cal.add_working_days(at(2026, 12, 30, 9), 3)
    assert crossing.uncertain is True
    # But a deadline inside the known year is not.
    assert cal.add_working_days(at(2026, 12, 28, 9), 3).uncertain is False


def test_city_overrides_win_over_the_package() -> None:
    cal = WorkCalendar(extra_holidays=[date(2026, 3, 2)], extra_workdays=[date(2026, 10, 3)])
    assert not cal.is_workday(date(2026, 3, 2))
    assert cal.is_workday(date(2026, 10, 3))
    assert cal.add_working_days(at(2026, 2, 27, 10), 2).at == eod(2026, 3, 3)
    assert cal.add_working_days(at(2026, 9, 30, 16), 1).at == eod(2026, 10, 3)
    # The rest of 2026 still follows the package.
    assert not cal.is_workday(date(2026, 10, 5))
    assert cal.is_workday(date(2026, 10, 10))


def test_city_can_declare_a_year_the_package_does_not_know() -> None:
    cal = WorkCalendar(extra_holidays=[date(2027, 1, 1)], extra_workdays=[date(2027, 2, 20)])
    assert cal.knows_year(2027) and not cal.knows_year(2028)
    result = cal.add_working_days(at(2026, 12, 31, 10), 1)  # Jan 1 2027 (Fri) off, then a weekend
    assert result.at == eod(2027, 1, 4)
    assert result.uncertain is False
    assert cal.is_workday(date(2027, 2, 20))  # a Saturday declared a workday


def test_override_conflicts_and_bad_hours_are_refused() -> None:
    with pytest.raises(ValueError, match="both"):
        WorkCalendar(extra_holidays=[date(2026, 3, 2)], extra_workdays=[date(2026, 3, 2)])
    with pytest.raises(ValueError, match="overlaps"):
        WorkCalendar(working_hours=[("08:30", "12:00"), ("11:00", "17:30")])
    with pytest.raises(ValueError, match="ends before"):
        WorkCalendar(working_hours=[("12:00", "08:30")])


# ---- naive datetimes ---------------------------------------------------------


def test_naive_datetimes_are_refused(cal: WorkCalendar) -> None:
    naive = datetime.combine(date(2026, 3, 2), time(9))
    with pytest.raises(ValueError, match="naive"):
        cal.add_working_days(naive, 1)
    with pytest.raises(ValueError, match="naive"):
        cal.add_working_minutes(naive, 60)
    with pytest.raises(ValueError, match="naive"):
        cal.add_natural(naive, timedelta(hours=1))
    with pytest.raises(ValueError, match="naive"):
        cal.working_minutes_between(naive, at(2026, 3, 3))
    with pytest.raises(ValueError, match="naive"):
        cal.working_days_between(at(2026, 3, 1), naive)


def test_is_workday_wants_a_date_not_a_datetime(cal: WorkCalendar) -> None:
    with pytest.raises(TypeError):
        cal.is_workday(at(2026, 3, 2, 9))
