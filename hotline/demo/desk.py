"""Demo data for the rules of issue #19: missed calls to call back (漏话回拨) and enterprise demands (涉企诉求).

Both go through the real flows: call events through ``telephony.flows.do_record_call_event`` (so the
tasks are made, and closed by the caller's later calls, by the rules themselves), operators' call-backs
through ``telephony.missed.do_attempt``, enterprise demands through ``do_create_order`` and 派单.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.schema import CityFile
from hotline.orders import uscc
from hotline.orders.actor import Actor
from hotline.orders.enums import Action
from hotline.orders.flows import do_action, do_create_order
from hotline.orders.models import Order
from hotline.org.models import User

# (enterprise, contact, title, demand, lead unit, state): state received | dispatched | overdue | completed
ENTERPRISES: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("青阳精工机械有限公司", "王建国", "工业园纬三路厂区门口路面塌陷",
     "我公司位于工业园纬三路，厂区门口路面塌陷约两米，货车进出困难，已影响正常发货，请尽快安排修复。",
     "dept-chengguan", "dispatched"),
    ("青阳市禾丰食品有限公司", "李秀梅", "食品经营许可证延续办理咨询",
     "我公司食品经营许可证下月到期，想咨询延续办理需要哪些材料、能否网上办理、多长时间能办好。",
     "dept-shichang", "received"),
    ("青阳绿源环保科技有限公司", "赵磊", "增值税留抵退税申请迟迟未到账",
     "我公司两个月前申请了增值税留抵退税，系统显示已受理但一直没有到账，企业资金周转困难，请帮忙催办。",
     "dept-shuiwuju", "overdue"),
    ("青阳恒达物流有限公司", "陈志强", "城区货车通行证办理进度",
     "我公司为商超配送生鲜，申请城区货车通行证已提交十多天，至今没有结果，影响配送，请协调加快办理。",
     "dept-jiaojing", "dispatched"),
    ("青阳新锐电子有限公司", "孙丽", "招用应届生社保补贴申领咨询",
     "我公司今年招用了十二名应届高校毕业生，想申请社会保险补贴，请问申领条件、材料和办理窗口。",
     "dept-renshe", "completed"),
    ("青阳和美餐饮管理有限公司", "周涛", "门店装修审批材料反复退回",
     "我公司新开门店装修消防审批材料已经被退回三次，每次只说一部分问题，希望一次性告知需要补正的内容。",
     "dept-zhujian", "received"),
)


def demo_uscc(rng: random.Random, division: str = "341100") -> str:
    """A code of the real format with both check characters right (a made-up organisation code)."""
    org8 = "".join(rng.choice("0123456789") for _ in range(8))
    first17 = "91" + division + org8 + uscc._org_check(org8)
    return first17 + uscc.check_character(first17)


def _actor(db: Session, role: str) -> Actor:
    user = db.scalar(select(User).where(User.role == role).order_by(User.id))
    assert user is not None, role
    return Actor.of(user)


def seed_enterprise(db: Session, city: CityFile, *, now: datetime, seed: int = 19) -> int:
    rng = random.Random(seed)
    op, disp = _actor(db, "operator"), _actor(db, "dispatcher")
    units = {u.code: u for u in city.units}
    leaf = next(c for c in city.category_index() if len(c) >= 6)
    handlers = {u.unit.code: Actor.of(u) for u in db.scalars(select(User).where(User.role == "unit_handler"))}
    made = 0
    for i, (firm, contact, title, content, unit, state) in enumerate(ENTERPRISES):
        start = now - timedelta(days={"overdue": 6, "completed": 5}.get(state, 0), hours=2 + i)
        order = do_create_order(db, actor=op, now=start, data={
            "kind": "help", "title": title, "content": content, "citizen_name": f"{firm} {contact}",
            "citizen_phone": f"1360{rng.randint(1000000, 9999999)}", "address": f"{city.city.name}经济开发区",
            "requester_type": "enterprise", "enterprise_uscc": demo_uscc(rng), "urgency": "normal"})
        made += 1
        if state == "received" or unit not in units:
            continue
        cats = [c for c in units[unit].categories if c in city.category_index()]
        do_action(db, order=order, actor=disp, action=Action.dispatch, now=start + timedelta(minutes=20),
                  payload={"lead_unit": unit, "category_code": cats[0] if cats else leaf})
        if state == "completed" and unit in handlers:
            h = handlers[unit]
            do_action(db, order=order, actor=h, action=Action.sign, now=start + timedelta(hours=1), payload={})
            do_action(db, order=order, actor=h, action=Action.reply, now=start + timedelta(days=1), payload={
                "content": "已电话联系企业，告知社会保险补贴申领条件、所需材料（劳动合同、社保缴费明细、毕业证书）"
                           "及人社局二楼窗口地址，企业已按要求提交申请，预计十五个工作日内拨付。"})
            do_action(db, order=order, actor=disp, action=Action.complete, now=start + timedelta(days=1, hours=2),
                      payload={"note": "答复内容完整，同意办结"})
    return made


# (caller, minutes ago, how it was missed, what happened next)
MISSED: tuple[tuple[str, int, str, str], ...] = (
    ("13907310001", 25, "abandoned", "pending"),
    ("13907310002", 50, "rang_out", "pending"),
    ("13907310003", 95, "abandoned", "no_answer"),
    ("13907310004", 60 * 26, "abandoned", "pending"),  # overdue by now
    ("13907310005", 60 * 27, "rang_out", "busy"),  # overdue, one attempt
    ("13907310006", 60 * 3, "abandoned", "called_again"),  # got through on a later call of their own
    ("13907310007", 60 * 5, "abandoned", "called_again"),
    ("13907310008", 60 * 4, "abandoned", "connected"),  # an operator called back and got through
    ("13907310009", 60 * 30, "rang_out", "connected"),
    ("13907310010", 60 * 28, "abandoned", "wrong_number"),
)


def seed_missed_calls(db: Session, *, now: datetime) -> dict[str, Any]:
    from hotline.telephony.flows import do_record_call_event
    from hotline.telephony.missed import do_attempt
    from hotline.telephony.models import MissedCall

    operator = db.scalar(select(User).where(User.role == "operator").order_by(User.id))
    assert operator is not None
    from hotline.telephony.missed import due_for

    for n, (caller, ago, how, then) in enumerate(MISSED):
        at = now - timedelta(minutes=ago)
        # "a day ago" is overdue only where working hours lay between: on a Sunday or after a holiday it is not,
        # so the demo's day-old calls go back a day at a time until their callback limit has passed
        for _ in range(15):
            if ago < 60 * 24 or due_for(at) < now:
                break
            at -= timedelta(days=1)
        cid = f"demo-missed-{n}"
        do_record_call_event(db, event={"type": "offered", "call_id": cid, "caller": caller, "queue": "12345", "at": at},
                             now=at)
        do_record_call_event(db, event={"type": "abandoned" if how == "abandoned" else "ended", "call_id": cid,
                                        "at": at + timedelta(seconds=35 + n * 7)}, now=at)
        if then == "called_again":
            again, later = f"demo-again-{n}", at + timedelta(minutes=40)
            do_record_call_event(db, event={"type": "offered", "call_id": again, "caller": caller, "at": later},
                                 now=later)
            do_record_call_event(db, event={"type": "answered", "call_id": again, "agent": operator.username,
                                            "at": later + timedelta(seconds=9)}, now=later)
            do_record_call_event(db, event={"type": "ended", "call_id": again,
                                            "at": later + timedelta(minutes=4)}, now=later)
        elif then != "pending":
            task = db.scalar(select(MissedCall).where(MissedCall.call_id == cid))
            if task is not None:
                do_attempt(db, task_id=task.id, user=operator, outcome=then, now=at + timedelta(minutes=45))
    return {"missed_calls": len(MISSED)}


# one citizen calls four times about the same broken street lights: merged (并单) and, at 3 repeats, urgent
REPEATS: tuple[tuple[str, str], ...] = (
    ("新华路88号路灯不亮", "新华路88号门口的路灯已经坏了一个多星期，晚上一片漆黑，老人走路容易摔倒，请尽快维修。"),
    ("新华路88号附近路灯坏了", "我家在新华路88号旁边，门口那排路灯晚上都不亮，黑乎乎的很不安全，希望派人来修路灯。"),
    ("新华路88号路灯还是不亮", "新华路88号门口路灯坏了好久，上次反映过还没修，晚上一片漆黑，请尽快派人维修路灯。"),
    ("再次反映新华路88号路灯", "新华路88号门口的路灯到现在还不亮，已经打过好几次电话了，晚上出门很危险，请抓紧维修。"),
)


def seed_repeats(db: Session, city: CityFile, *, now: datetime) -> int:
    """The first call is dispatched; the next three are merged into it, the citizen texted each time."""
    op, disp = _actor(db, "operator"), _actor(db, "dispatcher")
    cats = [c for c in next((u.categories for u in city.units if u.code == "dept-chengguan"), [])
            if c in city.category_index()]
    first: Order | None = None
    for i, (title, content) in enumerate(REPEATS):
        at = now - timedelta(days=2) + timedelta(hours=5 * i)
        order = do_create_order(db, actor=op, now=at, data={
            "kind": "complaint", "title": title, "content": content, "citizen_name": "刘芳",
            "citizen_phone": "13907319001", "address": f"{city.city.name}东城区新华路88号"})
        if first is None and cats:
            first = order
            do_action(db, order=order, actor=disp, action=Action.dispatch, now=at + timedelta(minutes=15),
                      payload={"lead_unit": "dept-chengguan", "category_code": cats[0]})
    return len(REPEATS)


__all__ = ["seed_enterprise", "seed_missed_calls", "seed_repeats", "Order"]
