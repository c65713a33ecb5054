"""Fill a database with the demo city and a few hundred orders in every state.

Orders are not inserted with a status: each is driven through the real state
machine (``hotline.orders.flows``) by the demo users, with back-dated clocks, so
the demo's timelines, deadlines and counters are exactly what real use gives.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.city.schema import CityFile, Role
from hotline.db import utcnow
from hotline.orders.actor import Actor
from hotline.orders.enums import CLOCKED, Action, EmergencyService, Status
from hotline.orders.flows import do_action, do_create_order
from hotline.orders.models import Order
from hotline.org.auth import hash_password
from hotline.org.cities import sync_city
from hotline.org.models import Unit, User

if TYPE_CHECKING:
    from hotline.demo.texts import DemandText

HANDLING_TYPES = ("department", "enterprise", "street", "township", "community")

# Where each demo order ends up, with weights: every status appears.
SCENARIOS: list[tuple[str, int]] = [
    ("closed", 26), ("completed", 10), ("replied", 6), ("in_progress", 14), ("dispatched", 8),
    ("received", 6), ("at_subcentre", 2), ("return_requested", 3), ("returned", 2), ("suspended", 2),
    ("informed", 2), ("handed_off", 1), ("withdrawn", 2), ("merged", 2), ("first_contact", 5),
    ("extension_pending", 3), ("extended", 2), ("reopened", 3), ("redispatched", 2),
]


# Scenarios that start at the centre's desk: a self-service order could be auto-dispatched first.
CENTRE_ONLY = {"received", "first_contact", "informed", "handed_off", "merged", "at_subcentre"}


class _Clock:
    """Moves forward in plausible steps from the intake time, never past now."""

    def __init__(self, start: datetime, now: datetime, rng: random.Random):
        self.t, self.now, self.rng = start, now, rng

    def step(self, lo_min: int = 5, hi_min: int = 600) -> datetime:
        self.t = min(self.t + timedelta(minutes=self.rng.randint(lo_min, hi_min)), self.now - timedelta(minutes=1))
        return self.t


def ensure_unit_accounts(db: Session, password: str = "demo12345") -> int:
    """Every handling unit gets a handler account (h_<code>) so the demo can act for it."""
    have = {(u.unit_id, u.role) for u in db.scalars(select(User))}
    pw = hash_password(password)
    made = 0
    for unit in db.scalars(select(Unit).where(Unit.type.in_(HANDLING_TYPES))):
        if (unit.id, Role.unit_handler.value) not in have:
            db.add(User(username=f"h_{unit.code}"[:64], name=f"{unit.short_name or unit.name}承办人",
                        role=Role.unit_handler.value, unit_id=unit.id, password_hash=pw))
            made += 1
    db.flush()
    return made


def _actors(db: Session) -> dict[str, Any]:
    users = list(db.scalars(select(User)))
    centre = [u for u in users if u.unit.type == "centre"]

    def first(role: str) -> Actor:
        return Actor.of(next(u for u in centre if u.role == role))

    handlers: dict[int, Actor] = {}
    for u in users:
        if u.role == Role.unit_handler.value and u.unit_id not in handlers:
            handlers[u.unit_id] = Actor.of(u)
    subcentres = {u.unit_id: Actor.of(u) for u in users if u.role == Role.dispatcher.value and u.unit.type == "district"}
    return {"operator": first("operator"), "dispatcher": first("dispatcher"), "supervisor": first("supervisor"),
            "callback": first("callback_agent"), "handlers": handlers, "subcentres": subcentres}


def _district_of(db: Session, unit: Unit | None) -> Unit | None:
    while unit is not None and unit.type != "district":
        unit = db.get(Unit, unit.parent_id) if unit.parent_id else None
    return unit


def _reply_text(d: DemandText, rng: random.Random) -> str:
    return rng.choice([
        f"经核实，您反映的“{d.title}”问题属实，我单位已于当日安排人员到现场处理，目前已处理完毕，感谢您的监督。",
        f"您好，关于“{d.title}”，我单位已联系相关责任方进行整改，并将持续跟踪，如有问题请再次来电。",
        f"收到诉求后我单位工作人员立即与您电话联系并现场查看，{d.title}的情况已协调解决，后续将加强日常巡查。",
    ])


UNSOLVED_WORDS = ("根本没人来处理过，情况和原来一样。", "说是处理了，其实问题还在，昨天还是老样子。",
                  "只打了个电话，没到现场看过。", "处理了两天又恢复原样了。")


def _callback(db: Session, order: Order, agent: Actor, rng: random.Random, now: datetime) -> None:
    """回访 through the callbacks flow, so the demo has evaluations; plain close when no task is due."""
    from hotline.callbacks.flows import do_record_call
    from hotline.callbacks.models import CallbackTask

    task = db.scalar(select(CallbackTask).where(CallbackTask.order_id == order.id,
                                                CallbackTask.state == "pending"))
    if task is None:
        do_action(db, order=order, actor=agent, action=Action.close, payload={"note": "回访：市民认可处理结果"}, now=now)
        return
    solved = rng.random() < 0.9
    sat = rng.choices(["satisfied", "basic", "dissatisfied"], weights=[78, 14, 8])[0] if solved else \
        rng.choice(["basic", "dissatisfied"])
    comment = rng.choice(["", "处理及时", "希望加强日常巡查", "工作人员态度很好"])
    recording = None
    if not solved:  # the citizen's own words and where they are in the recording (own stream: the rest stays as it was)
        words = random.Random(order.id)
        comment = words.choice(UNSOLVED_WORDS)
        recording = f"录音 REC-{now:%Y%m%d}-{order.id:04d}，{words.randint(1, 4)}:{words.randint(0, 59):02d} 起诉求人称问题仍在"
    do_record_call(db, task=task, actor=agent, now=now, payload={
        "reached": True, "solved": solved, "satisfaction": sat, "comment": comment, "recording_note": recording})


def seed_orders(db: Session, city: CityFile, *, n: int, seed: int = 12345, now: datetime | None = None) -> int:
    """Create ``n`` orders (plus a few duplicates) spread over the last 30 days."""
    from hotline import registry
    from hotline.demo.rules import reason_for
    registry.install()  # every package, in the declared order (hotline/registry.py)
    from hotline.demo.texts import generate_demands

    rng = random.Random(seed)
    now = now or utcnow()
    a = _actors(db)
    units = {u.code: u for u in db.scalars(select(Unit))}
    demands = generate_demands(city, n, seed=seed)
    names, weights = zip(*SCENARIOS, strict=True)
    parents: list[Order] = []
    made = 0
    for i, d in enumerate(demands):
        # the first orders walk every scenario once, so every status is in the demo; then at random
        scenario = names[i] if i < len(names) else rng.choices(names, weights=weights)[0]
        start = now - timedelta(days=rng.uniform(0.05, 30))
        clock = _Clock(start, now, rng)
        order = do_create_order(db, actor=a["operator"], now=start, data={
            "kind": d.kind.value, "title": d.title, "content": d.content, "channel": "phone" if scenario in CENTRE_ONLY else rng.choice(
                ["phone"] * 6 + ["web", "app", "wechat"]),
            "category_code": d.category_code, "citizen_name": d.citizen_name, "citizen_phone": d.phone,
            "anonymous": d.anonymous, "confidential": d.confidential, "address": d.address,
            "territory_code": d.territory_code, "urgency": d.urgency})
        made += 1

        def act(actor: Actor, action: Action, _o: Order = order, _c: _Clock = clock, **p: Any) -> None:
            if p.get("lead_unit"):  # a push-down needs the dispatcher's reason (hotline.pushdown)
                p.update(reason_for(db, _o, p, rng))
            do_action(db, order=_o, actor=actor, action=action, payload=p, now=_c.step())

        if scenario == "received":
            continue
        if scenario == "first_contact":
            act(a["operator"], Action.answer_first_contact,
                content="已根据知识库为市民解答：" + d.title + "的办理流程、所需材料及咨询电话已告知，市民表示清楚。")
            if rng.random() < 0.6:
                _callback(db, order, a["callback"], rng, clock.step())
            continue
        if scenario == "informed":
            act(a["operator"], Action.inform, channel="该事项属司法范畴，已告知诉求人通过人民法院诉讼途径解决")
            continue
        if scenario == "handed_off":
            act(a["operator"], Action.hand_off, service=rng.choice([s.value for s in EmergencyService]),
                reason="涉及紧急情况，需现场处置", note="涉及紧急情况，已三方转接")
            continue
        live_parents = [p for p in parents if p.status in CLOCKED - {Status.return_requested}]
        if scenario == "merged" and live_parents:
            act(a["dispatcher"], Action.cancel_duplicate, parent_number=rng.choice(live_parents).number)
            continue
        auto = order.status == "dispatched"  # a self-service order the router dispatched on its own
        lead = order.lead_unit if auto else units.get(d.lead_unit_code)
        if lead is None or lead.id not in a["handlers"]:
            continue
        district = _district_of(db, lead)
        if scenario == "at_subcentre" and not auto:
            district = district or _district_of(db, units.get(d.territory_code))
        if scenario == "at_subcentre" and district is not None and not auto:
            act(a["dispatcher"], Action.dispatch_to_subcentre, subcentre=district.code)
            continue
        if auto:
            pass
        elif district is not None and district.id in a["subcentres"] and rng.random() < 0.3:
            act(a["dispatcher"], Action.dispatch_to_subcentre, subcentre=district.code)
            act(a["subcentres"][district.id], Action.subdispatch, lead_unit=lead.code)
        else:
            co = []
            if rng.random() < 0.12:
                co = [rng.choice([c for c in units.values() if c.type == "department" and c.id != lead.id]).code]
            act(a["dispatcher"], Action.dispatch, lead_unit=lead.code, co_units=co)
        h = a["handlers"][lead.id]
        if scenario == "withdrawn":
            act(a["operator"], Action.withdraw, reason="诉求人来电表示问题已自行解决，申请撤诉")
            continue
        if scenario == "dispatched":
            continue
        if scenario in ("return_requested", "returned", "redispatched"):
            act(h, Action.request_return, reason="经核实该事项不属于本单位职责范围，建议改派相关主管部门")
            if scenario == "returned":
                act(a["dispatcher"], Action.approve_return, note="同意退回，重新派单")
            if scenario == "redispatched":
                other = rng.choice([u for u in units.values() if u.id in a["handlers"] and u.id != lead.id
                                    and u.type == "department"])
                act(a["dispatcher"], Action.redispatch, lead_unit=other.code, note="按职责改派")
                act(a["handlers"][other.id], Action.sign)
            continue
        act(h, Action.sign)
        parents.append(order)
        if scenario == "in_progress":
            continue
        if scenario == "suspended":
            act(a["supervisor"], Action.suspend, reason="涉及历史遗留问题，需待政策明确后处理")
            continue
        if scenario in ("extension_pending", "extended"):
            order_due = order.due_at
            if order_due is not None and clock.t < order_due:
                act(h, Action.request_extension, reason="需协调多个部门现场会商，申请延期", extra_days=rng.randint(2, 5))
                if scenario == "extended":
                    act(a["dispatcher"], Action.approve_extension, note="同意延期")
            # every other extended order is replied within its extension but after its first deadline:
            # on time while 批准延期不计超时 is on (the default), late with it off (docs/kpi.md §1)
            late_for_first = order_due is not None and order_due + timedelta(hours=3)
            if (scenario != "extended" or i % 2 == 0 or not late_for_first or order.due_at is None or order.co_units()
                    or not (clock.t < late_for_first < min(order.due_at, now - timedelta(minutes=30)))):
                continue
            clock.t = late_for_first
            act(h, Action.reply, content=_reply_text(d, rng))
            act(a["dispatcher"], Action.complete, note="答复内容完整，同意办结")
            continue
        missing = []
        for co_unit in order.co_units():  # the lead's reply waits for the co-units' opinions
            if co_unit.id in a["handlers"]:
                act(a["handlers"][co_unit.id], Action.co_reply, content=f"{co_unit.name}协办意见：已配合现场核查，同意主办单位处理意见。")
            else:
                missing.append(co_unit.name)
        text = _reply_text(d, rng)
        if scenario == "replied" and i % 3 == 0:  # some replies awaiting review are perfunctory (hotline.replies)
            text = "您反映的问题已收悉，已转相关部门调查处理。"
        act(h, Action.reply, content=text,
            **({"co_override_reason": "协办单位暂无账号，主办单位已电话征询其意见"} if missing else {}))
        if scenario == "replied":
            continue
        act(a["dispatcher"], Action.complete, note="答复内容完整，同意办结")
        if scenario == "completed":
            continue
        if scenario == "reopened":
            act(a["supervisor"], Action.reopen, reason="回访市民反映问题仍未解决，发回重办")
            act(h, Action.sign)
            continue
        _callback(db, order, a["callback"], rng, clock.step(30, 600))
    db.flush()
    return made


# The demo province: 青阳市 (the home city) and its neighbouring county 西河县, and the
# provincial accounts that read both.
COUNTY_FILE = Path(__file__).resolve().parents[1] / "city" / "demo" / "xihe" / "city.yaml"
PROVINCE_USERS = (("province_leader", "省热线办 孙主任", Role.province_leader.value),
                  ("province_supervisor", "省热线办 督查员 钱敏", Role.province_supervisor.value),
                  ("province_admin", "省热线办 管理员 李强", Role.province_admin.value))


def seed_province(db: Session, *, orders: int = 120, seed: int = 2345) -> dict[str, int]:
    """The demo's second city and the province's accounts; the county gets its own orders."""
    from hotline.city.loader import load_city
    from hotline.city.tenancy import acting_as
    from hotline.org.cities import add_city, ensure_province

    ensure_province(db, users=PROVINCE_USERS)
    county = add_city(db, COUNTY_FILE)
    counts: dict[str, int] = {}
    with acting_as(county):
        counts["county_unit_accounts"] = ensure_unit_accounts(db)
        if (db.scalar(select(func.count(Order.id))) or 0) == 0 and orders > 0:
            counts["county_orders"] = seed_orders(db, load_city(COUNTY_FILE), n=orders, seed=seed)
            counts["transfers"] = seed_transfers(db, county)
        from hotline.demo.map import seed_coordinates

        counts["county_coordinates"] = seed_coordinates(db, COUNTY_FILE, load_city(COUNTY_FILE))  # the map
    return counts


#: 转办 in the demo: demands about places in 西河县 that reached 青阳市's hotline.
TRANSFER_DEMANDS = (
    ("沙河镇沙河村桥头路灯不亮", "沙河镇沙河村桥头的路灯坏了一个多星期，晚上骑车经过看不清路，请尽快修复。",
     "西河县沙河镇沙河村桥头", "13855501201", "周建国", "事发地沙河镇沙河村属西河县管辖，转西河县热线办理", True),
    ("西河县城关镇菜市场门口污水外溢", "城关镇菜市场门口的下水道堵了，污水漫到人行道上，气味很大，希望尽快疏通。",
     "西河县城关镇菜市场东门", "13855501202", "陈秀英", "事发地在西河县城关镇，请西河县热线接收办理", False),
)


def seed_transfers(db: Session, county: Any) -> int:
    """One 转办 accepted by 西河县 two days ago and one still waiting for its acceptance (docs/transfers.md)."""
    from hotline.city.tenancy import acting_as
    from hotline.transfers.service import open_outgoing

    db.flush()  # the county's rows so far, while acting as the county
    now = utcnow()
    made = 0
    for title, content, address, phone, name, reason, accepted in TRANSFER_DEMANDS:
        at = now - timedelta(days=2) if accepted else now - timedelta(hours=3)
        with acting_as(None):  # the home city, 青阳市, took the call
            a = _actors(db)
            order = do_create_order(db, actor=a["operator"], now=at, data={
                "kind": "help", "title": title, "content": content, "address": address, "citizen_phone": phone,
                "citizen_name": name, "channel": "phone"})
            do_action(db, order=order, actor=a["dispatcher"], action=Action.transfer_city,
                      payload={"to_city": county.code, "reason": reason}, now=at + timedelta(minutes=20))
            db.flush()
            t = open_outgoing(db, order)
        made += 1
        if accepted and t is not None:
            with acting_as(county):
                incoming = db.scalar(select(Order).where(Order.id == t.to_order_id))
                do_action(db, order=incoming, actor=_actors(db)["dispatcher"], action=Action.accept_transfer,
                          payload={"note": "属本县辖区，已接收"}, now=at + timedelta(hours=2))
                db.flush()
    return made


def seed_demo(db: Session, city: CityFile, *, orders: int = 300, seed: int = 12345) -> dict[str, int]:
    """Idempotent: the city is synced every time; orders only into an empty database.
    The demo city (青阳市) brings its county and the province along (``seed_province``)."""
    counts = sync_city(db, city)
    counts["unit_accounts"] = ensure_unit_accounts(db)
    from hotline.demo.knowledge import seed_knowledge
    from hotline.demo.routing import train_demo_models
    from hotline.routing.models import RoutingModel

    counts["knowledge"] = seed_knowledge(db)
    if city.city.code == "qingyang":
        from hotline.demo.people import seed_people

        counts["people_admin"] = seed_people(db)
    if city.city.code == "qingyang":  # the demo city's 常用语 and saved views (its usernames)
        from hotline.demo.worklists import seed_worklists

        counts["worklists"] = seed_worklists(db)
    if db.scalar(select(func.count(RoutingModel.id)).where(RoutingModel.active.is_(True))) == 0:
        counts["routing_models"] = len(train_demo_models(db, city))
    if (db.scalar(select(func.count(Order.id))) or 0) == 0 and orders > 0:
        counts["orders"] = seed_orders(db, city, n=orders, seed=seed)
        from hotline.demo.rules import seed_rules

        counts.update(seed_rules(db, now=utcnow()))  # push-downs and dispatch objections, every outcome
        from hotline.duplicates.stats import refit

        # the duplicate scorer's statistics from the seeded orders (as `hotline duplicates refit` does for a city)
        counts["duplicate_stats_keys"] = int(refit(db, actor_label="演示数据")["keys"])
        from hotline.telephony.flows import do_bulk_insert
        from hotline.telephony.simulate import simulate_calls

        # a week of simulated call traffic, so the connection-rate page has something to show
        counts["calls"] = do_bulk_insert(db, records=simulate_calls(days=7, calls_per_day=400, seed=seed),
                                         label="demo seed")
        from hotline.demo.desk import seed_enterprise, seed_missed_calls, seed_repeats

        # issue #19: missed calls to call back (some returned, some pending), enterprise demands, and a
        # citizen's repeat calls merged into the open order (并单) until it turns urgent
        counts["enterprise_orders"] = seed_enterprise(db, city, now=utcnow())
        counts.update(seed_missed_calls(db, now=utcnow()))
        counts["repeat_calls"] = seed_repeats(db, city, now=utcnow())
        if city.city.code == "qingyang":  # 联动: a hand-off to 110 acknowledged, a demand 110 handed over
            from hotline.demo.linkage import seed_linkage

            counts["linkage_orders"] = seed_linkage(db, now=utcnow())
    if city.city.code == "qingyang" and counts.get("orders"):
        from hotline.demo.verification import seed_verification

        # a suspected fake completion side by side, a unit's answer, on-site checks for the grid workers
        counts.update(seed_verification(db, now=utcnow()))
        from hotline.demo.hotspots import seed_hotspots

        # issue #16: a few callers about one matter, street lights out in several communities, one re-grouping
        counts.update(seed_hotspots(db, city, now=utcnow()))
        from hotline.demo.surges import seed_history, seed_surge

        # issue #16 item 3: a year of archived history with a weekly, seasonal and holiday shape, and a
        # burst of 停水 in one street over the last two days, detected as a live surge alert
        counts["history_orders"] = seed_history(db, city, now=utcnow())
        counts.update(seed_surge(db, city, now=utcnow()))

        from hotline.city.loader import DEMO_CITY
        from hotline.demo.map import seed_coordinates

        # issue #16 item 5: positions inside the territories' polygons, for the hotspot map
        counts["coordinates"] = seed_coordinates(db, DEMO_CITY, city)

        from hotline.demo.governance import seed_governance

        # issue #16 item 4: three years of archived history with seasons, 未诉先办 tasks, one 每月一题 project
        counts.update(seed_governance(db, city, now=utcnow()))

        from hotline.demo.reports import seed_reports

        # issue #16 item 6: the leader subscribed; last month's report made and sent, as on the 1st
        counts.update(seed_reports(db, now=utcnow()))

    if city.city.code == "qingyang":
        counts.update(seed_province(db, orders=max(orders * 2 // 5, 0)))
    if counts.get("orders"):
        from hotline.db import refresh_planner_stats

        refresh_planner_stats(db)  # the planner's statistics of the seeded data, not of the empty schema
    return counts
