"""The work-order core's door into timekeeping: the city's policies and calendar, built once.

The pure rules live in ``calendar.py`` and ``policy.py``; this module only binds
them to the running city so that flows can ask "when is this order due?".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from hotline.sla.config import SlaConfig
from hotline.sla.policy import Deadlines, build_calendar, compute_deadlines
from hotline.sla.policy import extend as _extend
from hotline.sla.policy import resume_after_pause as _resume

if TYPE_CHECKING:
    from hotline.orders.models import Order
    from hotline.sla.calendar import WorkCalendar


@dataclass(frozen=True)
class ExtensionLimits:
    max_days: int
    max_times: int


@lru_cache(maxsize=64)
def _bound(city_file: str | None) -> tuple[SlaConfig, WorkCalendar]:
    from hotline.city.loader import cached_city

    city = cached_city(city_file)
    cfg = SlaConfig.model_validate(city.sla or {})
    return cfg, build_calendar(cfg, timezone=city.city.timezone)  # the same file as city_tz() reads


_LIVE: dict[tuple[object, ...], tuple[SlaConfig, WorkCalendar]] = {}


def bind(body: dict[str, Any], *, timezone: str | None = None) -> tuple[SlaConfig, WorkCalendar]:
    """Policies and calendar from an ``sla`` block (a saved version, or one being previewed)."""
    from hotline.city.service import current_city

    cfg = SlaConfig.model_validate(body)
    return cfg, build_calendar(cfg, timezone=timezone or current_city().city.timezone)


def bound() -> tuple[SlaConfig, WorkCalendar]:
    """The acting city's policies and calendar in force (``hotline.city.tenancy``; the home city's
    when none acts): the newest saved version of its ``sla`` block (``hotline.city.live``, checked
    once per transaction), else its city file's."""
    from hotline.city.live import live_block
    from hotline.city.service import acting_city_file

    live = live_block("sla")
    city_file = acting_city_file()
    if live is None:
        return _bound(city_file)
    key = (city_file, *live.key)
    if key not in _LIVE:
        if len(_LIVE) > 256:
            _LIVE.clear()
        _LIVE[key] = bind(live.body)
    return _LIVE[key]


def deadlines_for(order: Order, *, start: datetime,
                  with_: tuple[SlaConfig, WorkCalendar] | None = None) -> Deadlines:
    """The deadlines of ``order`` from ``start`` under the settings in force (or ``with_``)."""
    cfg, cal = with_ or bound()
    return compute_deadlines(cfg, cal, kind=order.kind, category_code=order.category_code,
                             urgency=order.urgency, start=start, requester=order.requester_type or "citizen")


def reopen_deadlines(order: Order, *, start: datetime,
                     with_: tuple[SlaConfig, WorkCalendar] | None = None) -> Deadlines:
    """A reopened order (重办) gets its own limit from the moment it is reopened."""
    cfg, cal = with_ or bound()
    base = compute_deadlines(cfg, cal, kind=order.kind, category_code=order.category_code,
                             urgency=order.urgency, start=start, requester=order.requester_type or "citizen")
    limit = cfg.reopen
    complete = _extend(cal, start, limit.amount, limit.unit) if limit is not None else base.complete_due_at
    return Deadlines(sign_due_at=base.sign_due_at, reply_due_at=min(base.reply_due_at, complete),
                     complete_due_at=complete, policy_name=f"{base.policy_name}/reopen",
                     uncertain=base.uncertain)


def extend(due_at: datetime, working_days: int) -> datetime:
    _, cal = bound()
    return _extend(cal, due_at, working_days, "working_days")


def resume_after_pause(due_at: datetime, paused_at: datetime, resumed_at: datetime) -> datetime:
    _, cal = bound()
    return _resume(cal, due_at, paused_at, resumed_at)


def extension_limits() -> ExtensionLimits:
    cfg, _ = bound()
    return ExtensionLimits(max_days=cfg.extension.max_working_days, max_times=cfg.extension.max_times)


def warn_time(order: Order) -> datetime | None:
    """When this order's light turns yellow (None while its clock is not running)."""
    if order.due_at is None or order.clock_started_at is None:
        return None
    from hotline.sla.config import limit_unit
    from hotline.sla.policy import warn_at

    cfg, cal = bound()
    return warn_at(order.clock_started_at, order.due_at, cfg.due_soon_ratio, cal=cal,
                   unit=limit_unit(cfg, order.sla_policy))


def year_known(year: int, cfg: SlaConfig | None = None) -> bool:
    """Whether the official holidays of ``year`` are known: by the installed ``chinese_calendar``
    or by the city's overrides (listing any date of a year declares it known)."""
    from hotline.sla.calendar import PACKAGE_YEARS

    if year in PACKAGE_YEARS:
        return True
    cfg = cfg or bound()[0]
    return any(d.year == year for d in (*cfg.calendar.extra_holidays, *cfg.calendar.extra_workdays))


def unknown_next_year(now: datetime) -> int | None:
    """From 1 December (city time): next year when nobody knows its holidays yet, else None."""
    from hotline.city.service import city_tz

    today = now.astimezone(city_tz()).date()
    if today.month == 12 and not year_known(today.year + 1):
        return today.year + 1
    return None
