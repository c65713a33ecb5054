"""Statistics periods in the city's time zone (``city_tz``): month (with a configurable start day), quarter, year, custom range.

Why a start day: some cities close their statistics month on the 25th (Hangzhou:
the month runs from the 26th to the 25th).  With ``start_day=26`` the statistics
month "2026-11" is 2026-10-26 00:00 to 2026-11-26 00:00 local time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from hotline.city.service import city_tz
from hotline.errors import BadRequest
from hotline.kpi.formulas import Period
from hotline.validation import in_range


def _at(d: date, tz: tzinfo | None = None) -> datetime:
    """The first instant of a local day, in UTC: where every period boundary falls."""
    return datetime.combine(d, time.min, tz or city_tz()).astimezone(UTC)


def _month_start(year: int, month: int, start_day: int) -> date:
    if start_day == 1:
        return date(year, month, 1)
    y, m = (year, month - 1) if month > 1 else (year - 1, 12)
    return date(y, m, start_day)


def month(year: int, mon: int, start_day: int = 1, *, tz: tzinfo | None = None) -> Period:
    ny, nm = (year, mon + 1) if mon < 12 else (year + 1, 1)
    return Period(_at(_month_start(year, mon, start_day), tz), _at(_month_start(ny, nm, start_day), tz))


def quarter(year: int, q: int, start_day: int = 1, *, tz: tzinfo | None = None) -> Period:
    first = 3 * (q - 1) + 1
    return Period(month(year, first, start_day, tz=tz).start, month(year, first + 2, start_day, tz=tz).end)


def year(y: int, start_day: int = 1, *, tz: tzinfo | None = None) -> Period:
    return Period(month(y, 1, start_day, tz=tz).start, month(y, 12, start_day, tz=tz).end)


def custom(start: date, end_inclusive: date, *, tz: tzinfo | None = None) -> Period:
    if end_inclusive < start:
        raise BadRequest("bad_range", "结束日期不能早于开始日期", "the end date is before the start date", field="to")
    if (end_inclusive - start).days > 3660:
        raise BadRequest("range_too_long", "统计范围不能超过10年", "the range may be at most 10 years", field="to")
    return Period(_at(start, tz), _at(end_inclusive + timedelta(days=1), tz))


def local_today() -> date:
    return datetime.now(UTC).astimezone(city_tz()).date()


def local_date(at: datetime) -> date:
    """The city's calendar day of an instant."""
    return at.astimezone(city_tz()).date()


def containing(day: date, start_day: int = 1) -> tuple[int, int]:
    """The statistics month (year, month) that contains a local date."""
    if start_day > 1 and day.day >= start_day:
        return (day.year, day.month + 1) if day.month < 12 else (day.year + 1, 1)
    return day.year, day.month


def parse(*, kind: str, value: str, start: str = "", end: str = "", start_day: int = 1,
          today: date | None = None) -> tuple[Period, str]:
    """Read period parameters leniently; returns the period and a label such as 2026-11 / 2026Q4."""
    today = today or local_today()
    try:
        if kind == "quarter":
            y, q = (value or "").split("Q") if value else (str(today.year), str((today.month - 1) // 3 + 1))
            p, label = quarter(int(y), int(q), start_day), f"{int(y)}Q{int(q)}"
        elif kind == "year":
            y = int(value) if value else today.year
            if not 2000 <= y <= 2100:
                raise ValueError(y)
            p, label = year(y, start_day), f"{y}"
        elif kind == "custom":
            s, e = date.fromisoformat(start), date.fromisoformat(end)
            p, label = custom(s, e), f"{s.isoformat()}~{e.isoformat()}"
        else:
            y, m = (int(x) for x in value.split("-")) if value else containing(today, start_day)
            if not 1 <= m <= 12:
                raise ValueError(m)
            p, label = month(y, m, start_day), f"{y:04d}-{m:02d}"
        if not (in_range(p.start) and in_range(p.end)):
            raise ValueError(label)  # the calendar's edges (year 1 or 9999) overflow in UTC
        return p, label
    except (ValueError, TypeError, OverflowError) as exc:
        raise BadRequest("bad_period", "统计周期格式不正确（月：2026-11；季度：2026Q4；年：2026；自定义：开始与结束日期）",
                         "bad period (month 2026-11, quarter 2026Q4, year 2026, or custom from/to dates)",
                         field="period") from exc
