"""The demo's long history for 未诉先办 (issue #16 item 4): three years of archived orders inserted in bulk
(not through the flows: they are closed history), with seasonal demands — 积水内涝 in July, 义务教育招生 in
August, 农民工欠薪 in January (before the Spring Festival) — over a background of every other demand.
Texts come from the demo's generator (hotline/demo/texts.py)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from hotline.city.schema import CityFile
from hotline.orders.models import Order
from hotline.org.models import Unit

SEASONAL = {"010104": (7, 14), "040102": (8, 10), "050101": (1, 9)}  # category: (month, calls a district)
BACKGROUND = 70  # archived orders a month, every demand


def seed_history(db: Session, city: CityFile, *, now: datetime, years: int = 4, seed: int = 4) -> dict[str, Any]:
    from hotline.demo.texts import generate_demands

    rng = random.Random(seed)
    units = {u.code: u for u in db.scalars(select(Unit))}
    pool = [d for d in generate_demands(city, 2500, seed=seed) if d.territory_code in units]
    by_cat: dict[str, list[Any]] = {}
    for d in pool:
        by_cat.setdefault(d.category_code, []).append(d)
    start = (now - timedelta(days=30 + 365 * years)).replace(day=1)
    rows: list[dict[str, Any]] = []

    def row(d: Any, at: datetime) -> None:
        lead = units.get(d.lead_unit_code)
        rows.append({"number": f"H{at:%Y%m%d}-{len(rows):05d}", "channel": "import", "kind": d.kind.value,
                     "category_code": d.category_code, "title": d.title, "content": d.content,
                     "citizen_name": d.citizen_name, "citizen_phone": d.phone, "address": d.address,
                     "territory_unit_id": units[d.territory_code].id, "lead_unit_id": lead.id if lead else None,
                     "status": "closed", "created_at": at, "updated_at": at + timedelta(days=3),
                     "completed_at": at + timedelta(days=3), "closed_at": at + timedelta(days=4),
                     "resolution_note": "历史工单（演示数据）"})

    month = start
    while month < now - timedelta(days=31):
        for _ in range(BACKGROUND):
            row(rng.choice(pool), month + timedelta(days=rng.uniform(0, 28)))
        for cat, (m, n) in SEASONAL.items():
            if month.month == m:
                for d in by_cat.get(cat, []):
                    for _ in range(max(1, n // max(1, len(by_cat[cat]) // 6))):
                        row(d, month + timedelta(days=rng.uniform(0, 28)))
        month = (month + timedelta(days=32)).replace(day=1)
    db.execute(insert(Order), rows)
    db.flush()
    return {"history_orders": len(rows)}


def seed_governance(db: Session, city: CityFile, *, now: datetime) -> dict[str, Any]:
    """History, then 未诉先办 tasks (as the worker would have made them this year, and the coming ones) and one
    每月一题 project in progress (the hottest matter) with notes by its owner unit."""
    from hotline.governance.flows import do_add_note, do_create_project, do_predict, do_task_done
    from hotline.hotspots.models import HotMatter
    from hotline.org.models import User

    out = seed_history(db, city, now=now)
    tasks = 0
    for back in (330, 180, 150, 0):
        tasks += do_predict(db, now=now - timedelta(days=back))["created"]
    out["proactive_tasks"] = tasks
    leader = db.scalar(select(User).where(User.role == "leader").order_by(User.id).limit(1))
    matter = db.scalar(select(HotMatter).where(HotMatter.kind == "place", HotMatter.active.is_(True))
                       .order_by(HotMatter.heat.desc()).limit(1))
    if leader is None or matter is None:
        return out
    from hotline.governance.flows import topic_of

    topic = topic_of(db, matter)
    owner = topic["owner_unit_id"] or next(
        (u.id for u in db.scalars(select(Unit).where(Unit.type == "department").order_by(Unit.code))
         if topic["category_code"] in (u.categories or [])), None) or db.scalar(
        select(Unit.id).where(Unit.type == "department").order_by(Unit.code).limit(1))
    p = do_create_project(db, user=leader, now=now - timedelta(days=1), title="", goal="一个月内查清原因、完成整改，"
                          "同类诉求下降一半", owner_unit_id=owner, deadline=now + timedelta(days=29), hot_matter=matter)
    staff = db.scalar(select(User).where(User.unit_id == p.owner_unit_id).order_by(User.id).limit(1)) or leader
    for k, text in enumerate(["已组织现场踏勘，梳理出问题点位和责任主体。", "已制定整改方案，明确每周进度，接受群众监督。"]):
        do_add_note(db, user=staff, project=p, text=text, now=now - timedelta(hours=20 - 8 * k))
    from hotline.governance.models import ProactiveTask

    past = db.scalar(select(ProactiveTask).where(ProactiveTask.window_end < now).limit(1))
    if past is not None:
        unit_user = db.scalar(select(User).where(User.unit_id == past.unit_id).limit(1)) or leader
        do_task_done(db, user=unit_user, task=past, note="提前排查隐患、发布提示，安排专人值守。", now=past.window_start)
    out["governance_projects"] = 1
    return out
