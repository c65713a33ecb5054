"""Reads of 每月一题 projects and 未诉先办 tasks: scoping, computed state, linked orders, the before/after
volume, ``month_summary`` (for the monthly report) and the history counts behind the predictions.

Who sees what: the centre's leaders, supervisors, dispatchers and admins see every project and task of the
city; a unit's handlers and leaders see only those their unit owns (another unit's id is 404)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.city.service import city_tz
from hotline.errors import Forbidden, NotFound
from hotline.governance import predict
from hotline.governance.models import GovernanceNote, GovernanceProject, GovernanceProjectOrder, ProactiveTask
from hotline.hotspots.models import HotMatterOrder
from hotline.orders.models import Order
from hotline.org.models import Unit, User

CENTRE_ROLES = ("leader", "supervisor", "dispatcher", "admin")
UNIT_ROLES = ("unit_handler", "unit_leader")
PICK_ROLES = ("leader",)  # who makes a month's topic
NOTE_ROLES = ("leader", "supervisor", *UNIT_ROLES)
WEEKS = 8  # weeks shown before and after a project's start

STATE_ZH = {"active": "进行中", "done": "已完成", "overdue": "已逾期"}
TASK_STATE_ZH = {"open": "待处理", "done": "已办", "upcoming": "待开始", "in_season": "季节中", "after": "已过季"}


def check_role(user: User, roles: tuple[str, ...]) -> None:
    if user.role not in roles:
        raise Forbidden("governance_role", "您的角色无权进行此操作", "your role may not do this")


def _scoped(user: User) -> bool:
    """True when the user sees only their own unit's projects and tasks."""
    check_role(user, CENTRE_ROLES + UNIT_ROLES)
    return user.role in UNIT_ROLES


def end_of(d: date) -> datetime:
    """A deadline given as a date: the end of that day in the city's time."""
    return datetime.combine(d, time(23, 59, 59), tzinfo=city_tz())


def find_order(db: Session, number: str) -> Order:
    """An order of the acting city by its number, to link to a project (404 when there is none)."""
    o = db.scalar(select(Order).where(Order.number == (number or "").strip()[:40]))
    if o is None:
        raise NotFound("governance_order_not_found", "未找到该工单编号", "no order with this number", field="number")
    return o


def state_of(p: GovernanceProject, now: datetime) -> str:
    if p.completed_at is not None:
        return "done"
    return "overdue" if now > p.deadline else "active"


def projects(db: Session, *, user: User, month: str | None = None) -> list[GovernanceProject]:
    q = select(GovernanceProject).order_by(GovernanceProject.month.desc(), GovernanceProject.id)
    if _scoped(user):
        q = q.where(GovernanceProject.owner_unit_id == user.unit_id)
    if month:
        q = q.where(GovernanceProject.month == month)
    return list(db.scalars(q))


def get(db: Session, *, user: User, project_id: int) -> GovernanceProject:
    p = db.scalar(select(GovernanceProject).where(GovernanceProject.id == project_id))
    if p is None or (_scoped(user) and p.owner_unit_id != user.unit_id):
        raise NotFound("governance_not_found", "治理项目不存在", "no such governance project")
    return p


def linked_ids(db: Session, p: GovernanceProject) -> set[int]:
    """The hot matter's current orders (new members included) plus manual links, minus manual unlinks."""
    ids: set[int] = set()
    if p.hot_matter_id is not None:
        ids = set(db.scalars(select(HotMatterOrder.order_id).where(HotMatterOrder.hot_matter_id == p.hot_matter_id)))
    for oid, kind in db.execute(select(GovernanceProjectOrder.order_id, GovernanceProjectOrder.kind)
                                .where(GovernanceProjectOrder.project_id == p.id)):
        (ids.add if kind == "link" else ids.discard)(oid)
    return ids


def linked_orders(db: Session, p: GovernanceProject) -> list[Order]:
    ids = linked_ids(db, p)
    if not ids:
        return []
    return list(db.scalars(select(Order).where(Order.id.in_(ids)).order_by(Order.created_at, Order.id)))


def notes(db: Session, project_id: int) -> list[GovernanceNote]:
    return list(db.scalars(select(GovernanceNote).where(GovernanceNote.project_id == project_id)
                           .order_by(GovernanceNote.at, GovernanceNote.id)))


def subtree(db: Session, unit_id: int | None) -> set[int] | None:
    """The unit and everything under it (a district's streets and communities); None: the whole city."""
    if unit_id is None:
        return None
    children: dict[int | None, list[int]] = {}
    for uid, parent in db.execute(select(Unit.id, Unit.parent_id)):
        children.setdefault(parent, []).append(uid)
    out, todo = set(), [unit_id]
    while todo:
        u = todo.pop()
        if u not in out:
            out.add(u)
            todo.extend(children.get(u, []))
    return out


def volume(db: Session, p: GovernanceProject, *, now: datetime, weeks: int = WEEKS) -> dict[str, Any]:
    """Weekly orders of the topic's category × place, ``weeks`` before and after the project's start."""
    start = p.started_at
    lo, hi = start - timedelta(weeks=weeks), min(now, start + timedelta(weeks=weeks))
    q = select(Order.created_at).where(Order.created_at >= lo, Order.created_at < hi)
    if p.category_code:
        q = q.where(Order.category_code == p.category_code)
    area = subtree(db, p.territory_unit_id)
    if area is not None:
        q = q.where(Order.territory_unit_id.in_(area))
    per_week = Counter(int((t - lo) // timedelta(weeks=1)) for t in db.scalars(q))
    tz = city_tz()
    n_after = max(0, -(-int((hi - start).total_seconds()) // (7 * 86400)))
    series: list[dict[str, Any]] = [{"week": (lo + timedelta(weeks=k)).astimezone(tz).date().isoformat(), "orders": per_week.get(k, 0),
               "after": k >= weeks} for k in range(weeks + n_after)]
    before = sum(x["orders"] for x in series if not x["after"])
    after = sum(x["orders"] for x in series if x["after"])
    return {"weeks": series, "before_total": before, "after_total": after,
            "before_per_week": round(before / weeks, 2),
            "after_per_week": round(after / n_after, 2) if n_after else None}


def present(db: Session, p: GovernanceProject, *, now: datetime, full: bool = False) -> dict[str, Any]:
    owner = db.scalar(select(Unit).where(Unit.id == p.owner_unit_id))
    v = volume(db, p, now=now)
    out: dict[str, Any] = {
        "id": p.id, "month": p.month, "title": p.title, "goal": p.goal, "owner_unit": owner.name if owner else None,
        "owner_unit_id": p.owner_unit_id, "deadline": p.deadline.isoformat(), "started_at": p.started_at.isoformat(),
        "state": state_of(p, now), "state_zh": STATE_ZH[state_of(p, now)], "hot_matter_id": p.hot_matter_id,
        "category_code": p.category_code, "orders": len(linked_ids(db, p)), "version": p.version,
        "before_per_week": v["before_per_week"], "after_per_week": v["after_per_week"],
        "completed_at": p.completed_at.isoformat() if p.completed_at else None}
    if full:
        out["volume"] = v
        out["notes"] = [{"at": n.at.isoformat(), "author": n.author_label, "text": n.text} for n in notes(db, p.id)]
    return out


def month_summary(db: Session, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """每月一题 of a month, for the monthly report: the projects started in [start, end) with their title,
    owner unit, deadline, state (as of ``end``, or now when that is earlier) and before/after weekly volume."""
    from hotline.db import utcnow

    now = min(end, utcnow())
    ps = db.scalars(select(GovernanceProject).where(GovernanceProject.started_at >= start,
                                                    GovernanceProject.started_at < end)
                    .order_by(GovernanceProject.started_at, GovernanceProject.id))
    return [present(db, p, now=now) for p in ps]


# ── 未诉先办 ──

def tasks(db: Session, *, user: User) -> list[ProactiveTask]:
    q = select(ProactiveTask).order_by(ProactiveTask.window_start.desc(), ProactiveTask.id)
    if _scoped(user):
        q = q.where(ProactiveTask.unit_id == user.unit_id)
    return list(db.scalars(q))


def get_task(db: Session, *, user: User, task_id: int) -> ProactiveTask:
    t = db.scalar(select(ProactiveTask).where(ProactiveTask.id == task_id))
    if t is None or (_scoped(user) and t.unit_id != user.unit_id):
        raise NotFound("proactive_not_found", "主动治理任务不存在", "no such proactive task")
    return t


def task_actual(db: Session, t: ProactiveTask, *, now: datetime) -> int | None:
    """Calls that came in the window (so far); None before the window opens."""
    if now < t.window_start:
        return None
    q = select(func.count()).select_from(Order).where(
        Order.category_code == t.category_code, Order.created_at >= t.window_start,
        Order.created_at < min(now, t.window_end))
    area = subtree(db, t.territory_unit_id)
    if area is not None:
        q = q.where(Order.territory_unit_id.in_(area))
    return int(db.scalar(q) or 0)


def season_of(t: ProactiveTask, now: datetime) -> str:
    return "upcoming" if now < t.window_start else ("in_season" if now < t.window_end else "after")


def present_task(db: Session, t: ProactiveTask, *, now: datetime) -> dict[str, Any]:
    unit = db.scalar(select(Unit).where(Unit.id == t.unit_id))
    return {"id": t.id, "title": t.title, "category_code": t.category_code, "unit": unit.name if unit else None,
            "window_start": t.window_start.isoformat(), "window_end": t.window_end.isoformat(),
            "predicted": t.predicted, "years": t.years, "actual": task_actual(db, t, now=now),
            "season": season_of(t, now), "state": t.state, "action_note": t.action_note, "version": t.version}


def district_of(units: dict[int, tuple[int | None, str]], uid: int | None) -> int | None:
    """Walk up to the district (the unit itself when it is one); None when the order has no territory."""
    seen = 0
    while uid is not None and seen < 10:
        parent, kind = units.get(uid, (None, ""))
        if kind == "district":
            return uid
        uid, seen = parent, seen + 1
    return None


def history_counts(db: Session, *, until: datetime) -> tuple[predict.Counts, dict[predict.Key, Counter[int]]]:
    """Orders before ``until`` counted per key and local (year, month); and each key's lead units (the unit
    that usually handled it is the one that gets the task)."""
    tz = city_tz()
    units = {uid: (parent, kind) for uid, parent, kind in db.execute(select(Unit.id, Unit.parent_id, Unit.type))}
    counts: predict.Counts = {}
    leads: dict[predict.Key, Counter[int]] = {}
    rows = db.execute(select(Order.category_code, Order.territory_unit_id, Order.lead_unit_id, Order.created_at)
                      .where(Order.created_at < until, Order.category_code.is_not(None)))
    for cat, terr, lead, at in rows:
        key: predict.Key = (str(cat), district_of(units, terr))
        local = at.astimezone(tz)
        predict.add(counts, key, local.year, local.month)
        if lead is not None:
            leads.setdefault(key, Counter())[lead] += 1
    return counts, leads
