"""What the KPI pages and API read: period parsing, rankings as rows, dashboard figures."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.city.kpi_settings import KpiSettings, kpi_settings
from hotline.city.schema import Role
from hotline.db import utcnow
from hotline.errors import Forbidden
from hotline.kpi import periods, queries, rankings
from hotline.kpi.formulas import Period
from hotline.orders.models import Order
from hotline.org.models import Category, User

DASHBOARD_ROLES = {Role.leader, Role.supervisor, Role.admin, Role.dispatcher}
RANKING_ROLES = DASHBOARD_ROLES | {Role.unit_leader}


def require(user: User, roles: set[Role]) -> None:
    if user.role not in roles:
        raise Forbidden("role_not_allowed", "您的角色无权查看考核数据", "your role may not see the KPIs")


PERIOD_KINDS = ("month", "quarter", "year", "custom")


def default_month(db: Session, *, start_day: int = 1, now: datetime | None = None) -> str:
    """The statistics month a page opens on: the last *full* month that has orders.

    A leader's first look should show figures, not a month that began this morning: on the 1st,
    or in a city whose data arrives by import, the current month holds a handful of orders or none,
    and every unit's rates read 0 or 100 %.  Nothing is guessed: it is the statistics month of the
    newest order received before the current month began.  Only when there is no earlier order
    (a new city) is it the current month.
    """
    now = now or utcnow()
    y, m = periods.containing(periods.local_date(now), start_day)
    current = periods.month(y, m, start_day)
    latest = db.scalar(select(func.max(Order.created_at)).where(Order.created_at < current.start))
    if latest is None:
        return f"{y:04d}-{m:02d}"
    ly, lm = periods.containing(periods.local_date(latest), start_day)
    return f"{ly:04d}-{lm:02d}"


def period_from(params: dict[str, str], *, db: Session | None = None) -> tuple[Period, str, dict[str, str]]:
    """The period of a KPI page or export from its query parameters.

    ``value`` carries the month (2026-11), quarter (2026Q4) or year (2026); the period picker sends
    it as ``month`` / ``quarter`` / ``year`` (one field per kind) instead.  With ``db`` and no month
    given, the month is ``default_month`` (pages); without, the current month (API).
    """
    kind = params.get("kind") or "month"
    kind = kind if kind in PERIOD_KINDS else "month"
    value = (params.get("value") or params.get(kind) or "").strip()[:10] if kind != "custom" else ""
    start_day = kpi_settings().month_start_day
    if kind == "month" and not value and db is not None:
        value = default_month(db, start_day=start_day)
    clean = {"kind": kind, "value": value, "from": (params.get("from") or "")[:10],
             "to": (params.get("to") or "")[:10]}
    p, label = periods.parse(kind=kind, value=clean["value"], start=clean["from"], end=clean["to"],
                             start_day=start_day)
    return p, label, clean


def ranking_rows(db: Session, period: Period, groups: list[str] | None = None,
                 cfg: KpiSettings | None = None) -> list[dict[str, Any]]:
    boards, units = rankings.boards(db, period, groups=groups, cfg=cfg)
    rows = []
    for b in boards:
        for r in b.ranked + b.too_few:
            rows.append({"group": b.label, "group_key": b.group, **rankings.row(r, units, b)})
    return rows


def dashboard(db: Session, period: Period) -> dict[str, Any]:
    cats = {c.code: c.name for c in db.scalars(select(Category).where(Category.level == 1))}
    units, children = rankings.unit_tree(db)
    terr = queries.territory_counts(db, period)
    parent_of = {u.id: u.parent_id for u in units.values()}

    def up_to(uid: int | None, types: tuple[str, ...]) -> int | None:
        while uid is not None and uid in units and units[uid].type not in types:
            uid = parent_of.get(uid)
        return uid if uid in units else None

    # ties in code order: the territory counts come in no fixed order (the facts and the live path differ)
    streets: dict[int, int] = {}
    districts: dict[int, int] = {}
    for uid, n in terr.items():
        s, d = up_to(uid, ("street", "township")), up_to(uid, ("district",))
        if s is not None:
            streets[s] = streets.get(s, 0) + n
        if d is not None:
            districts[d] = districts.get(d, 0) + n
    counts = queries.unit_counts(db, period, as_of=utcnow())  # once, for the ranking and the totals
    boards, _ = rankings.boards(db, period, groups=["departments", "streets"], counts=counts)
    ranked = [rankings.row(r, units) for b in boards for r in b.ranked]
    ranked.sort(key=lambda r: -(r["composite"] or 0))
    return {
        "daily": queries.daily_volume(db, period),
        "categories": [{"code": c or "", "name": cats.get(c or "", "未分类"), "n": n}
                       for c, n in queries.category_mix(db, period)],
        "districts": [{"code": units[k].code, "name": units[k].name, "n": v}
                      for k, v in sorted(districts.items(), key=lambda kv: (-kv[1], units[kv[0]].code))],
        "streets": [{"code": units[k].code, "name": units[k].name, "n": v}
                    for k, v in sorted(streets.items(), key=lambda kv: (-kv[1], units[kv[0]].code))],
        "funnel": queries.funnel(db, period),
        "ranking": [{"code": r["unit_code"], "name": r["unit_name"], "composite": r["composite"]}
                    for r in ranked[:20]],
        "totals": rankings.centre_totals(db, period, counts=counts),
    }
