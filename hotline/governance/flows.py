"""Writes of 每月一题 and 未诉先办, each in the caller's transaction with an audit row naming the actor.

A stale form (its ``version`` is not the row's) is a 409; the project's version is bumped by every write to
its row and by every note, so a note or completion typed on a page opened before someone else's note is refused
rather than written blind.  Linking or unlinking an order changes no one's text and bumps nothing."""

from __future__ import annotations

import calendar
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from hotline.city.service import city_tz
from hotline.errors import BadRequest, Conflict
from hotline.governance import predict, service
from hotline.governance.models import GovernanceNote, GovernanceProject, GovernanceProjectOrder, ProactiveTask
from hotline.hotspots.models import HotMatter, HotMatterOrder
from hotline.orders.models import Order
from hotline.org import audit
from hotline.org.models import Category, Unit, User
from hotline.outbox.models import OutboxMessage

MAX_AHEAD = timedelta(days=731)  # the furthest a 每月一题 project's deadline may lie


def _text(value: str, field: str, zh: str, en: str, lo: int = 2, hi: int = 2000) -> str:
    v = (value or "").strip()
    if not lo <= len(v) <= hi or "\x00" in v:
        raise BadRequest(f"governance_{field}", zh, en, field=field)
    return v


def _fresh(row: GovernanceProject | ProactiveTask, version: int | None) -> None:
    if version is not None and version != row.version:
        raise Conflict("governance_stale", "该记录已被他人修改，请刷新页面后重试",
                       "someone else changed this record; reload the page and try again")


def month_of(at: datetime) -> str:
    return at.astimezone(city_tz()).strftime("%Y-%m")


def topic_of(db: Session, matter: HotMatter) -> dict[str, Any]:
    """What a hot matter gives a project: its category, its place (a place-kind matter's commonest territory;
    a systemic problem is city-wide) and the unit that handled most of its orders."""
    rows = db.execute(select(Order.category_code, Order.territory_unit_id, Order.lead_unit_id)
                      .join(HotMatterOrder, HotMatterOrder.order_id == Order.id)
                      .where(HotMatterOrder.hot_matter_id == matter.id)).all()
    cats = Counter(r[0] for r in rows if r[0])
    terrs = Counter(r[1] for r in rows if r[1])
    leads = Counter(r[2] for r in rows if r[2])
    return {"category_code": cats.most_common(1)[0][0] if cats else None,
            "territory_unit_id": terrs.most_common(1)[0][0] if terrs and matter.kind == "place" else None,
            "owner_unit_id": leads.most_common(1)[0][0] if leads else None}


def do_create_project(db: Session, *, user: User, now: datetime, title: str, goal: str, owner_unit_id: int | None,
                      deadline: datetime | None, hot_matter: HotMatter | None = None,
                      extra_reason: str = "") -> GovernanceProject:
    """A leader makes the month's topic.  One per month per city; a second needs a reason."""
    service.check_role(user, service.PICK_ROLES)
    title = _text(title or (hot_matter.name if hot_matter else ""), "title", "请填写题目（2至200字）",
                  "write a title of 2 to 200 characters", hi=200)
    goal = _text(goal, "goal", "请填写治理目标（2至2000字）", "write a goal of 2 to 2,000 characters")
    topic = topic_of(db, hot_matter) if hot_matter else {"category_code": None, "territory_unit_id": None,
                                                         "owner_unit_id": None}
    owner = db.scalar(select(Unit).where(Unit.id == (owner_unit_id or topic["owner_unit_id"] or -1),
                                         Unit.active.is_(True)))
    if owner is None:
        raise BadRequest("governance_owner", "请选择责任单位", "choose the owner unit", field="owner_unit_id")
    if deadline is None or deadline <= now:
        raise BadRequest("governance_deadline", "完成时限须晚于今天", "the deadline must be after today",
                         field="deadline")
    if deadline > now + MAX_AHEAD:  # a typo (2207 for 2027) must not make a topic that never falls due
        raise BadRequest("governance_deadline_far", "完成时限不能晚于两年后", "the deadline may be at most two years ahead",
                         field="deadline")
    if hot_matter is not None and not hot_matter.active:
        raise Conflict("governance_matter_inactive", "该热点已合并或已失效，请刷新页面",
                       "this hot matter was merged or has dissolved; reload the page")
    month = month_of(now)
    reason = (extra_reason or "").strip()
    if db.scalar(select(GovernanceProject.id).where(GovernanceProject.month == month).limit(1)) is not None:
        if len(reason) < 2:
            raise BadRequest("governance_extra_reason", "本月已有一题；再加一题须说明理由",
                             "this month already has a topic; give a reason to add another", field="extra_reason")
    if hot_matter is not None and db.scalar(select(GovernanceProject.id).where(
            GovernanceProject.hot_matter_id == hot_matter.id, GovernanceProject.completed_at.is_(None))) is not None:
        raise Conflict("governance_matter_taken", "该热点已是一个进行中的治理项目",
                       "this hot matter is already an open governance project")
    p = GovernanceProject(month=month, title=title, goal=goal, extra_reason=reason or None,
                          hot_matter_id=hot_matter.id if hot_matter else None,
                          source_kind=hot_matter.kind if hot_matter else "manual",
                          category_code=topic["category_code"], territory_unit_id=topic["territory_unit_id"],
                          owner_unit_id=owner.id, started_at=now, deadline=deadline, created_by_id=user.id,
                          created_at=now)
    db.add(p)
    db.flush()
    audit.record(db, actor=user, action="governance.create", entity="governance_project", entity_id=p.id,
                 title=title, owner_unit=owner.name, hot_matter=p.hot_matter_id, month=month, reason=reason or None)
    # the owner unit's inbox, in the same transaction (delivered by the outbox after commit)
    db.add(OutboxMessage(topic="governance.assigned", channel="inbox", recipient=f"unit:{owner.code}",
                         payload={"title": title, "deadline": deadline.astimezone(city_tz()).date().isoformat(),
                                  "goal": goal, "url": f"/governance/{p.id}"},
                         dedupe_key=f"governance:{p.id}:{owner.code}"))
    return p


def _may_write(user: User, p: GovernanceProject) -> None:
    service.check_role(user, service.NOTE_ROLES)
    if user.role in service.UNIT_ROLES and user.unit_id != p.owner_unit_id:
        raise BadRequest("governance_not_owner", "只有责任单位可以填写进展", "only the owner unit may write progress")


def do_add_note(db: Session, *, user: User, project: GovernanceProject, text: str, now: datetime,
                version: int | None = None) -> GovernanceNote:
    _may_write(user, project)
    _fresh(project, version)
    text = _text(text, "note", "请填写进展（2至2000字）", "write progress of 2 to 2,000 characters")
    n = GovernanceNote(project_id=project.id, at=now, author_id=user.id, text=text,
                       author_label=f"{user.unit.short_name or user.unit.name} · {user.name}"[:128])
    db.add(n)
    flag_modified(project, "goal")  # the project's version bumps, so a form opened before this note is stale
    db.flush()
    audit.record(db, actor=user, action="governance.note", entity="governance_project", entity_id=project.id,
                 note=text)
    return n


def do_link(db: Session, *, user: User, project: GovernanceProject, order: Order, link: bool, now: datetime) -> None:
    """Link an order to the project (or take one out): the centre's leaders and supervisors, or the owner unit."""
    _may_write(user, project)
    kind = "link" if link else "unlink"
    row = db.scalar(select(GovernanceProjectOrder).where(GovernanceProjectOrder.project_id == project.id,
                                                         GovernanceProjectOrder.order_id == order.id))
    if row is None:
        db.add(GovernanceProjectOrder(project_id=project.id, order_id=order.id, kind=kind, by_id=user.id, at=now))
    else:
        row.kind, row.by_id, row.at = kind, user.id, now
    db.flush()
    audit.record(db, actor=user, action=f"governance.{kind}", entity="governance_project", entity_id=project.id,
                 order=order.number)


def do_complete(db: Session, *, user: User, project: GovernanceProject, now: datetime, note: str,
                version: int | None = None) -> GovernanceProject:
    service.check_role(user, ("leader", "supervisor"))
    _fresh(project, version)
    if project.completed_at is not None:
        raise Conflict("governance_done", "该项目已完成", "this project is already complete")
    note = _text(note, "note", "请填写完成说明（2至2000字）", "write a closing note of 2 to 2,000 characters")
    project.completed_at = now
    db.add(GovernanceNote(project_id=project.id, at=now, author_id=user.id, text=f"【完成】{note}",
                          author_label=f"{user.unit.short_name or user.unit.name} · {user.name}"[:128]))
    db.flush()
    audit.record(db, actor=user, action="governance.complete", entity="governance_project", entity_id=project.id,
                 note=note)
    return project


# ── 未诉先办 ──

def window_of(year: int, month: int) -> tuple[datetime, datetime]:
    tz = city_tz()
    start = datetime(year, month, 1, tzinfo=tz)
    end = start + timedelta(days=calendar.monthrange(year, month)[1])
    return start, end


def do_predict(db: Session, *, now: datetime, lead_days: int = predict.LEAD_DAYS,
               create: bool = True) -> dict[str, Any]:
    """Find the seasons in the history and make a task for each window opening within ``lead_days`` (or open
    now).  Idempotent: one task per key and window (``ProactiveTask.key``)."""
    counts, leads = service.history_counts(db, until=now)
    local = now.astimezone(city_tz())
    found = predict.seasons(counts, before_year=local.year + 1)
    names = {c: n for c, n in db.execute(select(Category.code, Category.name))}
    units = {i: n for i, n in db.execute(select(Unit.id, Unit.short_name))}
    full = {i: n for i, n in db.execute(select(Unit.id, Unit.name))}
    made, due = [], []
    codes = {i: c for i, c in db.execute(select(Unit.id, Unit.code))}
    for s in found:
        year = local.year if s.month >= local.month else local.year + 1
        start, end = window_of(year, s.month)
        if not (start - timedelta(days=lead_days) <= now < end):
            continue
        lead = leads.get((s.category_code, s.district_id))
        if not lead:
            continue
        key = f"{s.category_code}|{s.district_id or 0}|{year}-{s.month:02d}"
        place = (units.get(s.district_id) or full.get(s.district_id) or "") if s.district_id else "全市"
        title = f"{place}{s.month}月{names.get(s.category_code, s.category_code)}"
        item = {"key": key, "title": title, "unit": full.get(lead.most_common(1)[0][0]), "predicted": s.predicted,
                "years": list(s.years), "window_start": start.isoformat()}
        due.append(item)
        if create and db.scalar(select(ProactiveTask.id).where(ProactiveTask.key == key)) is None:
            t = ProactiveTask(key=key, category_code=s.category_code, territory_unit_id=s.district_id,
                              unit_id=lead.most_common(1)[0][0], title=title[:200], window_start=start,
                              window_end=end, predicted=s.predicted, years=len(s.years), created_at=now)
            db.add(t)
            db.flush()
            db.add(OutboxMessage(topic="proactive.assigned", channel="inbox", recipient=f"unit:{codes[t.unit_id]}",
                                 payload={"title": t.title, "window": start.date().isoformat(),
                                          "predicted": t.predicted, "url": f"/governance#task-{t.id}"},
                                 dedupe_key=f"proactive:{t.id}"))
            made.append(item)
    db.flush()
    if made:
        audit.record(db, actor=None, label="system", action="governance.predict", entity="proactive_task",
                     entity_id=0, created=[m["key"] for m in made])
    return {"seasons": len(found), "due": due, "created": len(made)}


def do_task_done(db: Session, *, user: User, task: ProactiveTask, note: str, now: datetime,
                 version: int | None = None) -> ProactiveTask:
    service.check_role(user, ("leader", "supervisor", *service.UNIT_ROLES))
    if user.role in service.UNIT_ROLES and user.unit_id != task.unit_id:
        raise BadRequest("governance_not_owner", "只有责任单位可以填写", "only the responsible unit may record this")
    _fresh(task, version)
    task.action_note = _text(note, "note", "请填写已采取的措施（2至2000字）", "write what was done (2 to 2,000 characters)")
    task.state, task.done_by_id, task.done_at = "done", user.id, now
    db.flush()
    audit.record(db, actor=user, action="governance.task_done", entity="proactive_task", entity_id=task.id,
                 note=task.action_note)
    return task
