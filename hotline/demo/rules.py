"""The demo's push-downs (下沉派单) and dispatch objections (派单异议), through the real flows.

The seeded orders already pass through the push-down guard (``reason_for`` supplies a dispatcher's
reason where the catalogue names a department); this adds a few told cases on top: street-lamp and
property orders sent to streets with their reasons (one accepted, one not, the rest pending), and
objections by the housing bureau to street-lamp orders — one pending past its limit, one pending,
one sustained (redispatched to 城管局, a catalogue change proposed), one rejected.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.orders.enums import Action
from hotline.orders.flows import do_action, do_create_order
from hotline.orders.models import Order
from hotline.org.models import Unit

REASONS = (
    "该处设施由街道代管，街道网格员可当天到现场处置",
    "涉及小区内部公共区域，需街道先行协调业委会和物业",
    "诉求人要求街道牵头协调，相关部门已同意配合",
    "夜间突发情况，职能部门值班力量不足，先由属地街道应急处置",
)


def reason_for(db: Session, order: Order, payload: dict[str, Any], rng: random.Random) -> dict[str, str]:
    """A dispatcher's stated reason when this dispatch is a push-down (the guard would refuse it otherwise)."""
    from hotline.pushdown.service import needs_reason

    lead = db.scalar(select(Unit).where(Unit.code == payload.get("lead_unit")))
    if needs_reason(db, category_code=payload.get("category_code") or order.category_code, lead=lead):
        return {"pushdown_reason": rng.choice(REASONS)}
    return {}


LAMPS = (("东城区新华路路灯不亮", "新华路与建设街路口附近五盏路灯连续一周晚上不亮，行人夜间通行不安全，请尽快维修。"),
         ("人民路人行道路灯灯杆倾斜", "人民路88号门前的路灯灯杆明显倾斜，担心刮风时倒下砸到行人，请派人查看。"),
         ("朝阳街道路灯白天常亮", "朝阳街道东风路一段路灯白天也亮着，浪费电，希望调整开关时间。"),
         ("滨江路路灯线路裸露", "滨江路公园入口处路灯底座盖板丢失，电线裸露，小孩经常在附近玩耍，很危险。"),
         ("文昌路路灯闪烁", "文昌路中段路灯忽明忽暗已有半个月，晚上开车很晃眼，请维修。"),
         ("东关街路灯被树枝遮挡", "东关街两侧行道树长得太密，路灯基本被遮住，路面很黑，请修剪或调整。"))


def seed_rules(db: Session, *, now: datetime, seed: int = 19) -> dict[str, int]:
    """A few push-downs and objections with every outcome (the demo city only)."""
    from hotline.appeals.flows import do_decide, do_file
    from hotline.demo.seed import _actors
    from hotline.pushdown.flows import do_review
    from hotline.pushdown.models import Pushdown

    units = {u.code: u for u in db.scalars(select(Unit))}
    need = ("dept-chengguan", "dept-zhujian", "s-dongcheng-xinhua", "s-dongcheng-renmin", "s-dongcheng-chaoyang")
    if any(c not in units for c in need):
        return {}
    rng = random.Random(seed)
    a = _actors(db)
    zj = a["handlers"].get(units["dept-zhujian"].id)
    if zj is None:
        return {}

    def order(i: int, at: datetime) -> Order:
        title, content = LAMPS[i]
        return do_create_order(db, actor=a["operator"], now=at, data={
            "kind": "complaint", "title": title, "content": content, "channel": "phone", "category_code": "010101",
            "citizen_name": rng.choice(["王建国", "刘芳", "陈志强", "赵丽", "孙伟", "周敏"]),
            "citizen_phone": f"139{rng.randint(10000000, 99999999)}", "address": "青阳市东城区" + title[:5]})

    made = {"pushdowns": 0, "objections": 0}
    streets = ("s-dongcheng-xinhua", "s-dongcheng-renmin", "s-dongcheng-chaoyang")
    for i, street in enumerate(streets):
        at = now - timedelta(days=3 - i, hours=2)
        o = order(i, at)
        do_action(db, order=o, actor=a["dispatcher"], action=Action.dispatch, now=at + timedelta(minutes=20),
                  payload={"lead_unit": street, "category_code": "010101", "pushdown_reason": REASONS[i]})
        made["pushdowns"] += 1
        pd = db.scalar(select(Pushdown).where(Pushdown.order_id == o.id))
        if pd is not None and i == 0:
            do_review(db, pd=pd, actor=a["supervisor"], accept=True, now=at + timedelta(hours=3),
                      note="该路段路灯确由街道代管，理由成立")
        elif pd is not None and i == 1:
            do_review(db, pd=pd, actor=a["supervisor"], accept=False, now=at + timedelta(hours=3),
                      note="路灯维护属城管局职责，不应下派街道，已提醒派单员")
    # objections: 住建局 was sent street-lamp orders (the catalogue says 城管局)
    outcomes = ("overdue", "pending", "sustained", "rejected")
    for j, outcome in enumerate(outcomes):
        at = now - timedelta(days=(8 if outcome == "overdue" else 2), hours=j)
        o = order(3 + j % 3, at)
        do_action(db, order=o, actor=a["dispatcher"], action=Action.dispatch, now=at + timedelta(minutes=15),
                  payload={"lead_unit": "dept-zhujian", "category_code": "010101"})
        do_action(db, order=o, actor=zj, action=Action.sign, now=at + timedelta(hours=1), payload={})
        req = do_file(db, order=o, actor=zj, kind="objection", now=at + timedelta(hours=2),
                      reason="路灯维修养护不属于住建局职责，本单位无维修队伍和设备，请改派城管局。",
                      basis="市住建局三定方案“主要职责”未含城市照明；派单目录010101路灯承办单位为市城管局",
                      proposed_unit="dept-chengguan")
        made["objections"] += 1
        if outcome == "sustained":
            do_decide(db, req=req, actor=a["dispatcher"], accept=True, now=at + timedelta(hours=5),
                      note="经核三定方案，城市照明属城管局职责，异议成立", redispatch_to="dept-chengguan")
        elif outcome == "rejected":
            do_decide(db, req=req, actor=a["supervisor"], accept=False, now=at + timedelta(hours=5),
                      note="该路灯位于住建局在建安置房项目内，尚未移交，仍由住建局负责")
    db.flush()
    return made
