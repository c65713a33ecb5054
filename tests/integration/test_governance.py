"""每月一题 and 未诉先办 (issue #16 item 4): a leader makes a hot matter the month's topic (one per month unless
a reason is given), the owner unit writes progress and only its own unit may, orders that join the matter later
are linked, the before/after volume counts the topic's orders; seasons found in the history become tasks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.errors import BadRequest, Conflict, Forbidden, NotFound
from hotline.governance import flows, service
from hotline.governance.models import ProactiveTask
from hotline.hotspots.models import HotMatter, HotMatterOrder
from hotline.orders.actor import Actor
from hotline.orders.flows import do_create_order
from hotline.orders.models import Order
from hotline.org.models import Unit, User

NOW = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)


def _user(db: Session, name: str) -> User:
    u = db.scalar(select(User).where(User.username == name))
    assert u is not None
    return u


def _order(db: Session, at: datetime, *, cat: str = "010104", terr: str = "c-xinhua-taoyuan",
           lead: Unit | None = None, title: str = "桃源社区积水内涝") -> Order:
    o = do_create_order(db, actor=Actor.of(_user(db, "operator1")), now=at, data={
        "kind": "complaint", "title": title, "content": "桃源社区门口一下雨就积水内涝，请尽快疏通排水。",
        "category_code": cat, "territory_code": terr, "citizen_phone": "13900001111"})
    if lead is not None:
        o.lead_unit_id = lead.id  # test data: the unit that handled it (the history's routing)
    db.flush()
    return o


def _matter(db: Session, orders: list[Order]) -> HotMatter:
    m = HotMatter(kind="place", name="桃源社区积水内涝", size=len(orders), volume=len(orders), heat=9.0)
    db.add(m)
    db.flush()
    db.add_all(HotMatterOrder(hot_matter_id=m.id, order_id=o.id) for o in orders)
    db.flush()
    return m


def test_a_leader_makes_a_hot_matter_the_months_topic_and_the_owner_unit_reports(db: Session) -> None:
    cg = db.scalar(select(Unit).where(Unit.code == "dept-chengguan"))
    before = [_order(db, NOW - timedelta(days=d), lead=cg) for d in (40, 30, 20, 10, 3)]
    m = _matter(db, before)
    leader, cg_user, other = _user(db, "leader"), _user(db, "cg_handler"), _user(db, "water_handler")
    with pytest.raises(Forbidden):
        flows.do_create_project(db, user=cg_user, now=NOW, title="", goal="根治积水", owner_unit_id=None,
                                deadline=NOW + timedelta(days=60), hot_matter=m)
    p = flows.do_create_project(db, user=leader, now=NOW, title="", goal="汛期前完成管网清淤", owner_unit_id=None,
                                deadline=NOW + timedelta(days=60), hot_matter=m)
    assert p.title == "桃源社区积水内涝" and p.owner_unit_id == cg.id and p.month == "2026-12"
    assert p.category_code == "010104" and service.state_of(p, NOW) == "active"
    assert service.state_of(p, NOW + timedelta(days=61)) == "overdue"
    # one topic a month: a second one needs a reason
    with pytest.raises(BadRequest) as e:
        flows.do_create_project(db, user=leader, now=NOW, title="路灯整治", goal="全市路灯巡检", owner_unit_id=cg.id,
                                deadline=NOW + timedelta(days=30))
    assert "本月已有一题" in e.value.zh
    flows.do_create_project(db, user=leader, now=NOW, title="路灯整治", goal="全市路灯巡检", owner_unit_id=cg.id,
                            deadline=NOW + timedelta(days=30), extra_reason="路灯投诉激增，市长交办")
    # the owner unit writes progress; another unit cannot see the project at all
    n = flows.do_add_note(db, user=cg_user, project=p, text="已完成桃源社区雨水管清淤300米", now=NOW, version=p.version)
    assert "城管" in n.author_label or cg.name[:2] in n.author_label
    with pytest.raises(Conflict):
        flows.do_add_note(db, user=cg_user, project=p, text="第二条进展", now=NOW, version=1)  # stale form
    with pytest.raises(NotFound):
        service.get(db, user=other, project_id=p.id)
    assert [x.id for x in service.projects(db, user=other)] == []
    assert p.id in [x.id for x in service.projects(db, user=cg_user)]
    # an order joining the matter later is linked; a manual unlink takes one out
    late = _order(db, NOW + timedelta(days=5), lead=cg)
    joined = db.scalar(select(HotMatterOrder).where(HotMatterOrder.hot_matter_id == m.id,
                                                    HotMatterOrder.order_id == late.id))
    if joined is None:  # the same words usually join the matter at intake already (hotspots.intake)
        db.add(HotMatterOrder(hot_matter_id=m.id, order_id=late.id))
        db.flush()
    assert late.id in service.linked_ids(db, p)
    flows.do_link(db, user=leader, project=p, order=before[0], link=False, now=NOW)
    assert service.linked_ids(db, p) == {o.id for o in before[1:]} | {late.id}
    # the before/after volume counts the category's orders in the place, by week
    v = service.volume(db, p, now=NOW + timedelta(days=14))
    assert v["before_total"] == 5 and v["after_total"] == 1 and len(v["weeks"]) == 10
    summary = service.month_summary(db, datetime(2026, 11, 30, 16, tzinfo=UTC), datetime(2026, 12, 31, 16, tzinfo=UTC))
    assert [s["title"] for s in summary] == ["桃源社区积水内涝", "路灯整治"]
    assert summary[0]["owner_unit"] == cg.name and summary[0]["state"] == "active"


def test_a_season_in_two_years_becomes_a_task_ahead_of_the_window(db: Session) -> None:
    water = db.scalar(select(Unit).where(Unit.code == "dept-chengguan"))
    for year in (2024, 2025):  # flooding every July, a trickle otherwise
        for d in range(6):
            _order(db, datetime(year, 7, 3 + d, 2, tzinfo=UTC), lead=water)
        _order(db, datetime(year, 3, 5, 2, tzinfo=UTC), lead=water)
    out = flows.do_predict(db, now=datetime(2026, 6, 10, 2, tzinfo=UTC))
    assert out["created"] == 1
    t = db.scalar(select(ProactiveTask))
    assert t is not None and t.unit_id == water.id and t.predicted == 6 and "7月" in t.title
    assert flows.do_predict(db, now=datetime(2026, 6, 11, 2, tzinfo=UTC))["created"] == 0  # idempotent
    assert flows.do_predict(db, now=datetime(2026, 4, 1, 2, tzinfo=UTC), create=False)["due"] == []  # too early
    for d in range(3):
        _order(db, datetime(2026, 7, 10 + d, 2, tzinfo=UTC), lead=water)
    assert service.task_actual(db, t, now=datetime(2026, 8, 5, tzinfo=UTC)) == 3
    assert service.task_actual(db, t, now=datetime(2026, 6, 20, tzinfo=UTC)) is None
    flows.do_task_done(db, user=_user(db, "cg_handler"), task=t, note="汛前已清淤排水管网", now=NOW, version=t.version)
    assert t.state == "done"
    with pytest.raises(NotFound):
        service.get_task(db, user=_user(db, "water_handler"), task_id=t.id)


def test_the_api_shows_the_owner_unit_its_project_and_refuses_a_stale_note(client, db: Session, as_user) -> None:  # type: ignore[no-untyped-def]
    cg = db.scalar(select(Unit).where(Unit.code == "dept-chengguan"))
    m = _matter(db, [_order(db, NOW - timedelta(days=3), lead=cg)])
    from hotline.db import utcnow

    p = flows.do_create_project(db, user=_user(db, "leader"), now=utcnow(), title="", goal="汛期前完成管网清淤",
                                owner_unit_id=None, deadline=utcnow() + timedelta(days=30), hot_matter=m)
    db.flush()
    r = client.post(f"/api/v1/governance/projects/{p.id}/notes", headers=as_user("cg_handler"),
                    json={"text": "已清淤雨水管300米", "version": p.version})
    assert r.status_code == 200, r.text
    assert r.json()["notes"][0]["text"] == "已清淤雨水管300米" and r.json()["title"] == "桃源社区积水内涝"
    stale = client.post(f"/api/v1/governance/projects/{p.id}/notes", headers=as_user("cg_handler"),
                        json={"text": "第二条", "version": 1})
    assert stale.status_code == 409 and "刷新" in stale.text
    assert client.get(f"/api/v1/governance/projects/{p.id}", headers=as_user("water_handler")).status_code == 404
    listed = client.get("/api/v1/governance/projects", headers=as_user("water_handler")).json()["projects"]
    assert listed == []
