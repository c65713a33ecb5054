"""China's working-day calendar: the clock that every time limit (时限) runs on.

Why not "Monday to Friday": China moves working days around its public holidays
(调休).  Around National Day 2026, Oct 1–7 are off while Sunday Sep 20 and
Saturday Oct 10 are working days.  The package ``chinese_calendar`` knows the
State Council's schedule up to the last year it was released for; a city can add
later years (or local changes) in its city file, and those overrides win.

Why a ``Deadline`` object and not a bare datetime: the State Council publishes
next year's schedule only in November.  A deadline that runs into a year nobody
has told us about is at best a guess, so it carries ``uncertain=True`` for the
console to show, instead of being silently wrong.

Conventions (see docs/sla.md):

* every input datetime must be timezone-aware, every output is aware and in the
  calendar's timezone;
* "N working days" ends at ``END_OF_DAY`` (23:59:59 local) of the N-th working
  day *after* the local date of the start; the start day never counts;
* arithmetic on instants is done in UTC, so the result is right even in a zone
  with daylight saving time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import chinese_calendar

END_OF_DAY = time(23, 59, 59)
"""The instant a day-based deadline falls on: on time means *at or before* it."""

DEFAULT_WORKING_HOURS: tuple[tuple[str, str], ...] = (("08:30", "12:00"), ("14:00", "17:30"))

UnknownYearMode = Literal["error", "weekends"]

# Longest stretch we walk looking for a working day or minute.  Even the Spring
# Festival is 9 days; 400 days means the calendar itself is broken.
_MAX_DAYS = 400


def _package_years() -> frozenset[int]:
    years = {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}
    return frozenset(range(min(years), max(years) + 1))


PACKAGE_YEARS = _package_years()
"""Years whose official schedule the installed ``chinese_calendar`` knows."""


class UnknownCalendarYear(ValueError):
    """Neither the package nor the city file knows the holidays of this year.

    Raised rather than guessed, because a wrong deadline is worse than none: the
    fix is to add the year's official schedule to the city file
    (``sla.calendar.extra_holidays`` / ``extra_workdays``) or to accept guesses
    with ``sla.unknown_year: weekends``.
    """

    def __init__(self, year: int) -> None:
        super().__init__(
            f"the holidays of {year} are not known: add that year's official schedule to the city file "
            "(sla.calendar.extra_holidays / extra_workdays) or set sla.unknown_year: weekends"
        )
        self.year = year


@dataclass(frozen=True)
class Deadline:
    """A computed instant, flagged when any day it depends on was a guess."""

    at: datetime
    uncertain: bool = False

    def __post_init__(self) -> None:
        require_aware(self.at, "Deadline.at")


def require_aware(value: datetime, name: str) -> datetime:
    """Refuse naive datetimes: a naive 16:00 could be Beijing or UTC, 8 hours apart."""
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{name} is a naive datetime ({value.isoformat()}): give a timezone, e.g. {value.isoformat()}+08:00"
        )
    return value


def parse_period(start: str | time, end: str | time) -> tuple[time, time]:
    """One working period such as ("08:30", "12:00")."""
    s = start if isinstance(start, time) else time.fromisoformat(start)
    e = end if isinstance(end, time) else time.fromisoformat(end)
    return s, e


def check_periods(periods: Sequence[tuple[time, time]]) -> None:
    """Working periods must exist, be in order, and not overlap; else minutes are counted twice."""
    if not periods:
        raise ValueError("at least one working period is needed, e.g. 08:30-12:00")
    previous_end: time | None = None
    for s, e in periods:
        if s.tzinfo is not None or e.tzinfo is not None:
            raise ValueError("working hours are local wall-clock times: leave out the offset")
        if s >= e:
            raise ValueError(f"working period {s:%H:%M}-{e:%H:%M} ends before it starts")
        if previous_end is not None and s < previous_end:
            raise ValueError(f"working period starting {s:%H:%M} overlaps or is out of order")
        previous_end = e


class WorkCalendar:
    """Working days and working hours of one city.

    Build it with :func:`hotline.sla.policy.build_calendar` from the city file,
    or directly in tests.
    """

    def __init__(
        self,
        *,
        timezone: str = "Asia/Shanghai",
        working_hours: Iterable[tuple[str | time, str | time]] = DEFAULT_WORKING_HOURS,
        extra_holidays: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
        unknown_year: UnknownYearMode = "error",
    ) -> None:
        self.tz = ZoneInfo(timezone)
        self.periods: tuple[tuple[time, time], ...] = tuple(parse_period(s, e) for s, e in working_hours)
        check_periods(self.periods)
        self.extra_holidays = frozenset(extra_holidays)
        self.extra_workdays = frozenset(extra_workdays)
        both = self.extra_holidays & self.extra_workdays
        if both:
            raise ValueError(f"dates listed both as holiday and as workday: {sorted(both)}")
        if unknown_year not in ("error", "weekends"):
            raise ValueError("unknown_year must be 'error' or 'weekends'")
        self.unknown_year: UnknownYearMode = unknown_year
        # A year the city lists any override for is a year the city has declared.
        self.override_years = frozenset(d.year for d in self.extra_holidays | self.extra_workdays)

    # ---- days ------------------------------------------------------------

    def knows_year(self, year: int) -> bool:
        """Whether the days of ``year`` are known (package or city file) rather than guessed."""
        return year in PACKAGE_YEARS or year in self.override_years

    def day_status(self, d: date) -> tuple[bool, bool]:
        """``(is_workday, guessed)``: the guess is Mon–Fri in an unknown year.

        Memoised per date: sweeps over many orders ask about the same few hundred days.
        """
        if isinstance(d, datetime):
            raise TypeError("pass a date; for a datetime use WorkCalendar.local_date(dt) first")
        cache = self.__dict__.setdefault("_day_cache", {})
        hit = cache.get(d)
        if hit is None:
            hit = cache[d] = self._day_status(d)
        return hit

    def _day_status(self, d: date) -> tuple[bool, bool]:
        if d in self.extra_holidays:
            return False, False
        if d in self.extra_workdays:
            return True, False
        if d.year in PACKAGE_YEARS:
            try:
                return bool(chinese_calendar.is_workday(d)), False
            except NotImplementedError:  # pragma: no cover - PACKAGE_YEARS is derived from the package
                pass
        if d.year in self.override_years:
            # A year the city declared: Mon–Fri work unless listed otherwise above.
            return d.weekday() < 5, False
        if self.unknown_year == "weekends":
            return d.weekday() < 5, True
        raise UnknownCalendarYear(d.year)

    def is_workday(self, d: date) -> bool:
        """Statutory holidays are off, 调休 weekends work, city overrides win."""
        return self.day_status(d)[0]

    def local_date(self, dt: datetime) -> date:
        """The calendar date of an instant in this city."""
        return require_aware(dt, "datetime").astimezone(self.tz).date()

    def end_of_day(self, d: date) -> datetime:
        """``END_OF_DAY`` of local date ``d``, aware."""
        return datetime.combine(d, END_OF_DAY, tzinfo=self.tz)

    @property
    def minutes_per_day(self) -> int:
        """Working minutes in one working day (420 for 08:30–12:00 + 14:00–17:30)."""
        return sum(int(self._span(s, e).total_seconds()) // 60 for s, e in self.periods)

    # ---- adding ----------------------------------------------------------

    def add_working_days(self, start: datetime, n: int) -> Deadline:
        """End of the ``n``-th working day after the local date of ``start``.

        The start day never counts, working day or not, because an order
        dispatched at 17:00 must not lose its first day; ``n == 0`` gives the
        end of the start day itself.
        """
        require_aware(start, "start")
        if n < 0:
            raise ValueError("n must be 0 or more working days")
        day = self.local_date(start)
        guessed = False
        counted = 0
        for _ in range(_MAX_DAYS * max(1, n)):
            if counted == n:
                return Deadline(self.end_of_day(day), guessed)
            day += timedelta(days=1)
            work, guess = self.day_status(day)
            guessed |= guess
            counted += work
        raise ValueError("no working day found: check the calendar overrides")  # pragma: no cover

    def add_working_minutes(self, start: datetime, minutes: int) -> Deadline:
        """The instant when ``minutes`` of working time have passed after ``start``.

        Only minutes inside working hours on working days count; a limit that
        runs out exactly at the end of a period ends then (12:00, not 14:00).
        """
        require_aware(start, "start")
        if minutes < 0:
            raise ValueError("minutes must be 0 or more")
        return self.add_working_time(start, timedelta(minutes=minutes))

    def add_working_time(self, start: datetime, amount: timedelta) -> Deadline:
        """Like :meth:`add_working_minutes`, to the second (used to pause the clock)."""
        require_aware(start, "start")
        if amount < timedelta(0):
            raise ValueError("amount must not be negative")
        cursor = start.astimezone(UTC)
        if amount == timedelta(0):
            return Deadline(cursor.astimezone(self.tz))
        left = amount
        day = self.local_date(start)
        guessed = False
        for _ in range(_MAX_DAYS + left.days * 10):
            work, guess = self.day_status(day)
            guessed |= guess
            if work:
                for lo, hi in self._periods_utc(day):
                    lo = max(lo, cursor)
                    if lo >= hi:
                        continue
                    if left <= hi - lo:
                        return Deadline((lo + left).astimezone(self.tz), guessed)
                    left -= hi - lo
            day += timedelta(days=1)
        raise ValueError("no working time found: check the calendar overrides")  # pragma: no cover

    def add_natural(self, start: datetime, delta: timedelta) -> Deadline:
        """Natural time: every hour counts, night and holiday alike; never uncertain."""
        require_aware(start, "start")
        return Deadline((start.astimezone(UTC) + delta).astimezone(self.tz))

    # ---- measuring -------------------------------------------------------

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time from ``a`` to ``b``; negative when ``b`` is before ``a``."""
        require_aware(a, "a")
        require_aware(b, "b")
        if b < a:
            return -self.working_time_between(b, a)
        a_utc, b_utc = a.astimezone(UTC), b.astimezone(UTC)
        total = timedelta(0)
        day, last = self.local_date(a), self.local_date(b)
        while day <= last:
            if self.is_workday(day):
                for lo, hi in self._periods_utc(day):
                    lo, hi = max(lo, a_utc), min(hi, b_utc)
                    if hi > lo:
                        total += hi - lo
            day += timedelta(days=1)
        return total

    def working_minutes_between(self, a: datetime, b: datetime) -> int:
        """Whole working minutes from ``a`` to ``b`` (truncated toward zero; signed)."""
        seconds = int(self.working_time_between(a, b).total_seconds())
        return seconds // 60 if seconds >= 0 else -((-seconds) // 60)

    def working_days_between(self, a: datetime, b: datetime) -> int:
        """Working days after the local date of ``a`` up to and including that of ``b``.

        The inverse of :meth:`add_working_days`: for any start and ``n``,
        ``working_days_between(start, add_working_days(start, n).at) == n``.
        Negative when ``b`` is before ``a``.
        """
        da, db = self.local_date(a), self.local_date(b)
        if db < da:
            return -self.working_days_between(b, a)
        count = 0
        day = da
        while day < db:
            day += timedelta(days=1)
            count += self.is_workday(day)
        return count

    def certain_between(self, a: datetime, b: datetime) -> bool:
        """Whether every day from ``a`` to ``b`` is known, i.e. a measure over them is not a guess."""
        da, db = sorted((self.local_date(a), self.local_date(b)))
        return all(self.knows_year(y) for y in range(da.year, db.year + 1))

    # ---- helpers ---------------------------------------------------------

    def _periods_utc(self, day: date) -> list[tuple[datetime, datetime]]:
        return [
            (
                datetime.combine(day, s, tzinfo=self.tz).astimezone(UTC),
                datetime.combine(day, e, tzinfo=self.tz).astimezone(UTC),
            )
            for s, e in self.periods
        ]

    @staticmethod
    def _span(s: time, e: time) -> timedelta:
        def since_midnight(t: time) -> timedelta:
            return timedelta(hours=t.hour, minutes=t.minute, seconds=t.second)

        return since_midnight(e) - since_midnight(s)
