"""The demo's suspected fake completions and on-site checks (issue #17 items 3-5), through the real flows.

In 桃源社区 a unit said a stall-blocked gate was cleared; at the callback the citizen says it was not:
a suspected-fake case for the supervisor, who has ordered an on-site check that waits for 周晓梅
(grid_taoyuan) on her phone.  In 建设社区 the same happened about piled-up rubbish; the unit has answered
the case with its explanation (awaiting the supervisor), and 马国庆 (grid_jianshe) found it partly solved.
周晓梅 also reported a blocked fire lane on patrol (channel 网格).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.callbacks.flows import do_record_call
from hotline.callbacks.models import CallbackTask
from hotline.orders.actor import Actor
from hotline.orders.enums import Action
from hotline.orders.flows import do_action, do_create_order
from hotline.orders.models import Order
from hotline.org.models import Category, User
from hotline.replies.flows import do_answer
from hotline.replies.models import ReplyFlag
from hotline.verification.flows import do_complete_check, do_order_check, do_patrol_report

CASES = (
    {"community": "c-xinhua-taoyuan", "unit": "dept-chengguan", "handler": "cg_handler", "title": "桃源社区门口夜间占道经营",
     "content": "新华街道桃源社区东门外每天晚上七点后有十几个摊贩占道经营，油烟大、垃圾多，居民进出困难，希望整治。",
     "address": "青阳市东城区新华街道桃源社区东门", "phone": "13907310021",
     "reply": "经现场核查，桃源社区东门外占道经营情况属实。城管中队已于当晚清理全部摊点，责令摊主搬离，问题已解决。",
     "citizen": "根本没清理，昨晚七点多还是十几个摊子，油烟呛得窗户都不敢开。",
     "recording": "录音 REC-{d}-0931，02:15 起诉求人称摊贩仍在"},
    {"community": "c-xinhua-jianshe", "unit": "dept-chengguan", "handler": "cg_handler", "title": "建设社区垃圾清运不及时",
     "content": "建设社区5栋旁的垃圾点已经三天没有清运，堆到路边，气味很大，希望尽快清运。",
     "address": "青阳市东城区新华街道建设社区5栋", "phone": "13907310022",
     "reply": "接到诉求后我局环卫所立即安排车辆到场，建设社区5栋旁堆积垃圾已全部清运完毕，已处理完毕。",
     "citizen": "只清了一半，路边还有一堆没拉走。",
     "recording": "录音 REC-{d}-1104，01:40 起"},
)


def _who(db: Session, username: str) -> Actor:
    return Actor.of(db.scalar(select(User).where(User.username == username)))


def _disputed(db: Session, c: dict[str, str], at: datetime) -> ReplyFlag | None:
    cat = db.scalar(select(Category.code).where(Category.level == 3).order_by(Category.code))
    o = do_create_order(db, actor=_who(db, "operator1"), now=at, data={
        "kind": "complaint", "title": c["title"], "content": c["content"], "citizen_name": "市民",
        "citizen_phone": c["phone"], "address": c["address"], "territory_code": c["community"]})
    step = timedelta(minutes=40)
    do_action(db, order=o, actor=_who(db, "dispatcher"), action=Action.dispatch, now=at + step,
              payload={"lead_unit": c["unit"], "category_code": cat})
    do_action(db, order=o, actor=_who(db, c["handler"]), action=Action.sign, now=at + 2 * step, payload={})
    do_action(db, order=o, actor=_who(db, c["handler"]), action=Action.reply, now=at + 20 * step,
              payload={"content": c["reply"]})
    do_action(db, order=o, actor=_who(db, "dispatcher"), action=Action.complete, now=at + 22 * step,
              payload={"note": "答复称已办理，同意办结"})
    task = db.scalar(select(CallbackTask).where(CallbackTask.order_id == o.id, CallbackTask.state == "pending"))
    if task is None:
        return None
    called = at + 60 * step
    do_record_call(db, task=task, actor=_who(db, "callback1"), now=called, payload={
        "reached": True, "solved": False, "satisfaction": "dissatisfied", "comment": c["citizen"],
        "recording_note": c["recording"].format(d=f"{called:%Y%m%d}")})
    return db.scalar(select(ReplyFlag).where(ReplyFlag.order_id == o.id, ReplyFlag.kind == "suspected_fake"))


def seed_verification(db: Session, *, now: datetime) -> dict[str, Any]:
    if db.scalar(select(User.id).where(User.username == "grid_taoyuan")) is None:
        return {}
    sup = _who(db, "supervisor")
    first = _disputed(db, CASES[0], now - timedelta(days=3))
    second = _disputed(db, CASES[1], now - timedelta(days=4))
    made: dict[str, Any] = {"fake_cases_seeded": sum(1 for f in (first, second) if f is not None)}
    if first is not None:  # waits for the grid worker's phone
        do_order_check(db, order=first.order, actor=sup, unit_code="c-xinhua-taoyuan", flag=first,
                       instructions="请晚上七点后到桃源社区东门核实摊贩是否已清理，拍照留证", now=now - timedelta(hours=5))
    if second is not None:
        do_answer(db, flag=second, actor=_who(db, "cg_handler"), now=now - timedelta(days=1),
                  explanation="当日已清运5栋旁垃圾两车，次日居民又集中投放装修垃圾，已另行安排清运并通知物业设置围挡。")
        check = do_order_check(db, order=second.order, actor=sup, unit_code="c-xinhua-jianshe", flag=second,
                               instructions="核实5栋旁垃圾是否清运完毕", now=now - timedelta(hours=20))
        do_complete_check(db, check=check, actor=_who(db, "grid_jianshe"), result="partial",
                          note="生活垃圾已清运，路边仍有装修垃圾约两立方，物业已设置围挡。",
                          latitude=27.7151, longitude=112.0043, accuracy_m=10, observed_at=now - timedelta(hours=18),
                          now=now - timedelta(hours=18))
    patrol = do_patrol_report(db, actor=_who(db, "grid_taoyuan"), now=now - timedelta(hours=8), data={
        "kind": "report", "title": "桃源社区3栋楼道堆物堵塞消防通道",
        "content": "巡查发现桃源社区3栋2单元一楼楼道堆满纸箱和旧家具，堵塞消防通道，存在火灾隐患。",
        "address": "青阳市东城区新华街道桃源社区3栋2单元", "latitude": 27.7129, "longitude": 111.9991})
    made["patrol_report"] = patrol.number
    made["orders_grid_channel"] = db.scalar(select(Order.id).where(Order.channel == "grid")) is not None
    return made
