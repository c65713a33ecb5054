"""The work-order core's door into timekeeping: the city's policies and calendar, built once.

The pure rules live in ``calendar.py`` and ``policy.py``; this module only binds
them to the running city so that flows can ask "when is this order due?".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING

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


def bound() -> tuple[SlaConfig, WorkCalendar]:
    """The acting city's policies and calendar (``hotline.city.tenancy``); the home city's when none acts."""
    from hotline.city.service import acting_city_file

    return _bound(acting_city_file())


def deadlines_for(order: Order, *, start: datetime) -> Deadlines:
    cfg, cal = bound()
    return compute_deadlines(cfg, cal, kind=order.kind, category_code=order.category_code,
                             urgency=order.urgency, start=start, requester=order.requester_type or "citizen")


def reopen_deadlines(order: Order, *, start: datetime) -> Deadlines:
    """A reopened order (重办) gets its own limit from the moment it is reopened."""
    cfg, cal = bound()
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
