"""Deadlines of a work order: pure functions the work-order core calls.

Nothing here reads a clock or a database: the caller passes ``now`` and the
order's timestamps, so every rule is tested without either.  The rules in plain
words are in docs/sla.md.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from hotline.sla.calendar import END_OF_DAY, Deadline, WorkCalendar, require_aware
from hotline.sla.config import ExtensionRules, Limit, LimitUnit, SlaConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Deadlines:
    """The three deadlines an order gets on dispatch (派单)."""

    sign_due_at: datetime  # 签收
    reply_due_at: datetime  # 答复
    complete_due_at: datetime  # 办结
    policy_name: str
    uncertain: bool  # some day they depend on was guessed (unknown year)


class TrafficLight(StrEnum):
    """The console's light; compares equal to "green", "yellow" and "red"."""

    green = "green"
    yellow = "yellow"
    red = "red"


class ExtensionRefused(ValueError):
    """An extension (延期) the city's rules do not allow."""


def build_calendar(cfg: SlaConfig, *, timezone: str = "Asia/Shanghai") -> WorkCalendar:
    """The calendar of a city: pass ``city.timezone`` from the city file."""
    return WorkCalendar(
        timezone=timezone,
        working_hours=cfg.working_hours,
        extra_holidays=cfg.calendar.extra_holidays,
        extra_workdays=cfg.calendar.extra_workdays,
        unknown_year=cfg.unknown_year,
    )


def due_after(cal: WorkCalendar, start: datetime, limit: Limit) -> Deadline:
    """When ``limit`` runs out if it starts at ``start``."""
    return extend_deadline(cal, start, limit.amount, limit.unit)


def compute_deadlines(
    cfg: SlaConfig,
    cal: WorkCalendar,
    *,
    kind: str,
    category_code: str | None,
    urgency: str,
    start: datetime,
    requester: str = "citizen",
) -> Deadlines:
    """Deadlines from ``start`` (dispatch, or redispatch 改派: a fresh limit) by the first matching policy."""
    require_aware(start, "start")
    policy = cfg.policy_for(kind=kind, category_code=category_code, urgency=urgency, requester=requester)
    sign = due_after(cal, start, policy.sign_within)
    reply = due_after(cal, start, policy.reply_within)
    complete = due_after(cal, start, policy.complete_within)
    return Deadlines(
        sign_due_at=sign.at,
        reply_due_at=reply.at,
        complete_due_at=complete.at,
        policy_name=policy.name,
        uncertain=sign.uncertain or reply.uncertain or complete.uncertain,
    )


def reopen_deadline(
    cfg: SlaConfig, cal: WorkCalendar, *, reopened_at: datetime, policy_name: str | None = None
) -> Deadline:
    """重办: a reopened order gets the city's reopen limit, counted from the reopen time.

    With ``reopen: null`` in the city file it gets its own policy's complete
    limit again, so ``policy_name`` is then needed.
    """
    limit = cfg.reopen
    if limit is None:
        if policy_name is None:
            raise ValueError("the city sets no reopen limit: pass the order's policy_name")
        limit = cfg.policy_named(policy_name).complete_within
    return due_after(cal, reopened_at, limit)


def extend_deadline(cal: WorkCalendar, due_at: datetime, amount: int, unit: LimitUnit | str) -> Deadline:
    """An approved extension (延期) moves the deadline by ``amount`` counted from the old deadline.

    Working days from a day-based deadline give the end of the ``amount``-th
    working day after the old deadline's day.  Flagged when it was a guess.
    """
    require_aware(due_at, "due_at")
    if amount < 0:
        raise ValueError("an extension cannot be negative")
    unit = LimitUnit(unit)
    if unit == LimitUnit.working_days:
        return cal.add_working_days(due_at, amount)
    if unit == LimitUnit.working_hours:
        return cal.add_working_minutes(due_at, amount * 60)
    return cal.add_natural(due_at, Limit(amount=amount, unit=unit).natural_delta())


def extend(cal: WorkCalendar, due_at: datetime, amount: int, unit: LimitUnit | str) -> datetime:
    """:func:`extend_deadline` as a bare datetime, for callers that store only the instant.

    A guessed result (only possible with ``unknown_year: weekends``) is logged;
    use :func:`extend_deadline` to show the flag.
    """
    return _unwrap(extend_deadline(cal, due_at, amount, unit), "extension")


def check_extension(rules: ExtensionRules, *, granted_before: int, working_days: int) -> None:
    """Refuse an extension beyond the city's rules (too long, or one too many)."""
    if working_days < 1:
        raise ExtensionRefused("an extension adds at least 1 working day")
    if working_days > rules.max_working_days:
        raise ExtensionRefused(f"an extension adds at most {rules.max_working_days} working days")
    if granted_before >= rules.max_times:
        raise ExtensionRefused(f"an order may be extended at most {rules.max_times} times")


def resume_deadline(
    cal: WorkCalendar,
    due_at: datetime,
    paused_at: datetime,
    resumed_at: datetime,
    *,
    unit: LimitUnit | str | None = None,
) -> Deadline:
    """挂账/暂缓 suspension stops the clock; on resume the deadline moves by the time lost.

    The time lost is the *working* time between ``paused_at`` and
    ``resumed_at``; nights, weekends and holidays cost nothing, as they would
    not have counted anyway.  How it moves the deadline depends on the limit:

    * working-day limits (the default when ``unit`` is None and ``due_at`` is
      at ``END_OF_DAY``) move by the working time rounded *up* to whole working
      days (a working day being the city's working hours, 7 h in the demo): a
      day-based deadline stays at the end of a day and a unit never loses time
      it was suspended for;
    * working-hour limits (the default for any other ``due_at``) move by the
      working time itself, to the second;
    * natural limits, only when ``unit`` says so, move by the natural time.

    A suspension wholly outside working hours moves nothing.
    """
    for name, value in (("due_at", due_at), ("paused_at", paused_at), ("resumed_at", resumed_at)):
        require_aware(value, name)
    if resumed_at < paused_at:
        raise ValueError("resumed_at is before paused_at")
    if unit is None:
        day_based = due_at.astimezone(cal.tz).timetz().replace(tzinfo=None) == END_OF_DAY
        unit = LimitUnit.working_days if day_based else LimitUnit.working_hours
    unit = LimitUnit(unit)
    if not unit.is_working:
        return cal.add_natural(due_at, resumed_at - paused_at)
    lost = cal.working_time_between(paused_at, resumed_at)
    guessed = not cal.certain_between(paused_at, resumed_at)
    if unit == LimitUnit.working_hours:
        moved = cal.add_working_time(due_at, lost)
    else:
        days = math.ceil(lost.total_seconds() / 60 / cal.minutes_per_day)
        moved = cal.add_working_days(due_at, days) if days else Deadline(due_at.astimezone(cal.tz))
    return Deadline(moved.at, moved.uncertain or guessed)


def resume_after_pause(
    cal: WorkCalendar,
    due_at: datetime,
    paused_at: datetime,
    resumed_at: datetime,
    *,
    unit: LimitUnit | str | None = None,
) -> datetime:
    """:func:`resume_deadline` as a bare datetime (a guessed result is logged)."""
    return _unwrap(resume_deadline(cal, due_at, paused_at, resumed_at, unit=unit), "resumed deadline")


def _unwrap(deadline: Deadline, what: str) -> datetime:
    if deadline.uncertain:
        log.warning("%s %s depends on a year whose holidays are guessed", what, deadline.at.isoformat())
    return deadline.at


def remaining(now: datetime, due_at: datetime) -> timedelta:
    """Natural time left until the deadline; negative when overdue."""
    return require_aware(due_at, "due_at") - require_aware(now, "now")


def light(
    now: datetime,
    started_at: datetime,
    due_at: datetime,
    due_soon_ratio: float,
    *,
    cal: WorkCalendar | None = None,
    unit: LimitUnit | None = None,
) -> TrafficLight:
    """Red once overdue (strictly after ``due_at``), yellow once ``due_soon_ratio`` of the time is used.

    With ``cal`` and a working ``unit``, time used is working time, so that a
    night or a holiday does not turn a 3-working-day order yellow; otherwise
    (and if the window holds no working time) it is natural time.
    """
    for name, value in (("now", now), ("started_at", started_at), ("due_at", due_at)):
        require_aware(value, name)
    if now > due_at:
        return TrafficLight.red
    total = due_at - started_at
    used = now - started_at
    if cal is not None and unit is not None and unit.is_working:
        working_total = cal.working_time_between(started_at, due_at)
        if working_total > timedelta(0):
            total, used = working_total, cal.working_time_between(started_at, now)
    if total <= timedelta(0):
        return TrafficLight.yellow
    return TrafficLight.yellow if used / total >= due_soon_ratio else TrafficLight.green


def warn_at(
    started_at: datetime,
    due_at: datetime,
    due_soon_ratio: float,
    *,
    cal: WorkCalendar | None = None,
    unit: LimitUnit | None = None,
) -> datetime:
    """The instant the light turns yellow: ``due_soon_ratio`` of the time used.

    Stored on the order when its deadline is set, so the sweep finds orders turning
    yellow with an indexed ``warn_at <= now`` instead of computing every open order's
    share of time.  Measured in working time for working limits, as ``light`` does.
    """
    require_aware(started_at, "started_at")
    require_aware(due_at, "due_at")
    if due_at <= started_at:
        return due_at
    if cal is not None and unit is not None and unit.is_working:
        total = cal.working_time_between(started_at, due_at)
        if total > timedelta(0):
            return min(due_at, cal.add_working_time(started_at, total * due_soon_ratio).at)
    return started_at + (due_at - started_at) * due_soon_ratio
