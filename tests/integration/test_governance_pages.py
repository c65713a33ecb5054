"""每月一题 and 未诉先办 in the console and the write API (issue #16 item 4): a leader makes a hot matter the
month's topic from its page, the owner unit is told and sees the project, writes progress; a stale form is a
409, another unit's project a 404, a role that may not a 403; links by order number; completion; a proactive
task recorded done by its unit; the monthly report's 每月一题 section."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.city.service import city_tz
from hotline.db import utcnow
from hotline.governance.models import GovernanceProject, ProactiveTask
from hotline.hotspots.models import HotMatter, HotMatterOrder
from hotline.orders.actor import Actor
from hotline.orders.flows import do_create_order
from hotline.orders.models import Order
from hotline.org.models import AuditLog, Unit, User
from hotline.outbox.models import OutboxMessage


def _user(db: Session, name: str) -> User:
    u = db.scalar(select(User).where(User.username == name))
    assert u is not None
    return u


def _unit(db: Session, code: str) -> Unit:
    u = db.scalar(select(Unit).where(Unit.code == code))
    assert u is not None
    return u


def _order(db: Session, days_ago: float, lead: Unit, title: str = "桃源社区积水内涝") -> Order:
    o = do_create_order(db, actor=Actor.of(_user(db, "operator1")), now=utcnow() - timedelta(days=days_ago), data={
        "kind": "complaint", "title": title, "content": "桃源社区门口一下雨就积水内涝，请尽快疏通排水。",
        "category_code": "010104", "territory_code": "c-xinhua-taoyuan", "citizen_phone": "13900001111"})
    o.lead_unit_id = lead.id  # test data: the unit that handled it
    db.flush()
    return o


def _matter(db: Session, orders: list[Order], name: str = "桃源社区积水内涝") -> HotMatter:
    m = HotMatter(kind="place", name=name, size=len(orders), volume=len(orders), heat=9.0)
    db.add(m)
    db.flush()
    existing = set(db.scalars(select(HotMatterOrder.order_id)))
    db.add_all(HotMatterOrder(hot_matter_id=m.id, order_id=o.id) for o in orders if o.id not in existing)
    db.flush()
    return m


def _deadline(days: int = 45) -> str:
    return (utcnow().astimezone(city_tz()).date() + timedelta(days=days)).isoformat()


def _seen(db: Session) -> int:
    """The last audit row before the test: rows a browser test committed for a reused id do not count."""
    return db.scalar(select(func.max(AuditLog.id))) or 0


def _audits(db: Session, action: str, entity_id: int, after: int) -> list[AuditLog]:
    return list(db.scalars(select(AuditLog).where(AuditLog.action == action, AuditLog.id > after,
                                                  AuditLog.entity_id == str(entity_id))))


def test_the_api_creates_links_completes_and_refuses_who_may_not(client: TestClient, db: Session,
                                                                 as_user: Any) -> None:
    seen = _seen(db)
    cg = _unit(db, "dept-chengguan")
    orders = [_order(db, d, cg) for d in (20, 12, 5)]
    m = _matter(db, orders)
    body = {"goal": "汛期前完成管网清淤", "deadline": _deadline(), "hot_matter_id": m.id}
    for who in ("supervisor", "cg_handler"):
        r = client.post("/api/v1/governance/projects", json=body, headers=as_user(who))
        assert r.status_code == 403 and "角色" in r.json()["error"]["message"], r.text
    r = client.post("/api/v1/governance/projects", json={**body, "deadline": "2020-01-01"}, headers=as_user("leader"))
    assert r.status_code == 422 and "完成时限" in r.json()["error"]["message"]
    for far in ("9999-12-31", "2207-01-31"):  # a typo of a year must not make a topic that never falls due
        r = client.post("/api/v1/governance/projects", json={**body, "deadline": far}, headers=as_user("leader"))
        assert r.status_code == 422 and "两年" in r.json()["error"]["message"], r.text
    r = client.post("/api/v1/governance/projects", json={**body, "hot_matter_id": 99999999}, headers=as_user("leader"))
    assert r.status_code == 404
    # a right-to-left override would show the leader's topic to the next reader in another order than typed
    r = client.post("/api/v1/governance/projects", json={**body, "title": "\u202e题一月每", "goal": "清淤\u2067"},
                    headers=as_user("leader"))
    assert r.status_code == 422 and r.json()["error"]["code"] == "control_characters", r.text
    r = client.post("/api/v1/governance/projects", json=body, headers=as_user("leader"))
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["title"] == m.name and p["owner_unit"] == cg.name and p["state"] == "active" and p["orders"] == 3
    assert sorted(x["number"] for x in p["linked_orders"]) == sorted(o.number for o in orders)
    assert len(_audits(db, "governance.create", p["id"], seen)) == 1
    notice = db.scalar(select(OutboxMessage).where(OutboxMessage.topic == "governance.assigned"))
    assert notice is not None and notice.recipient == f"unit:{cg.code}"
    assert notice.payload["url"] == f"/governance/{p['id']}" and notice.payload["deadline"] == body["deadline"]
    # the same matter again is a 409; another topic this month needs a reason (422)
    r = client.post("/api/v1/governance/projects", json={**body, "extra_reason": "市长交办"}, headers=as_user("leader"))
    assert r.status_code == 409 and "进行中" in r.json()["error"]["message"]
    manual = {"title": "路灯整治", "goal": "全市路灯巡检", "deadline": _deadline(30), "owner_unit_id": cg.id}
    r = client.post("/api/v1/governance/projects", json=manual, headers=as_user("leader"))
    assert r.status_code == 422 and "理由" in r.json()["error"]["message"]
    # another unit: 404 everywhere; an unknown order number: 404; link and unlink by number
    pid = p["id"]
    other = as_user("water_handler")
    assert client.post(f"/api/v1/governance/projects/{pid}/orders", json={"number": orders[0].number},
                       headers=other).status_code == 404
    assert client.post(f"/api/v1/governance/projects/{pid}/complete", json={"note": "已完成"},
                       headers=other).status_code == 404
    r = client.post(f"/api/v1/governance/projects/{pid}/orders", json={"number": "NO-SUCH-1"}, headers=as_user("leader"))
    assert r.status_code == 404 and "工单编号" in r.json()["error"]["message"]
    extra = _order(db, 1, cg, title="新华路井盖缺失")
    r = client.post(f"/api/v1/governance/projects/{pid}/orders", json={"number": extra.number},
                    headers=as_user("cg_handler"))
    assert r.status_code == 200 and r.json()["orders"] == 4
    r = client.post(f"/api/v1/governance/projects/{pid}/orders",
                    json={"number": orders[0].number, "action": "unlink"}, headers=as_user("leader"))
    assert r.status_code == 200 and orders[0].number not in [x["number"] for x in r.json()["linked_orders"]]
    assert r.json()["orders"] == 3
    r = client.post(f"/api/v1/governance/projects/{pid}/orders", json={"number": extra.number, "action": "drop"},
                    headers=as_user("leader"))
    assert r.status_code == 422
    # complete: the owner unit may not (403), a stale version is a 409, then done and a second one is a 409
    version = client.get(f"/api/v1/governance/projects/{pid}", headers=as_user("leader")).json()["version"]
    assert client.post(f"/api/v1/governance/projects/{pid}/complete", json={"note": "已完成清淤"},
                       headers=as_user("cg_handler")).status_code == 403
    r = client.post(f"/api/v1/governance/projects/{pid}/complete", json={"note": "已完成清淤", "version": version + 5},
                    headers=as_user("leader"))
    assert r.status_code == 409 and "刷新" in r.json()["error"]["message"]
    r = client.post(f"/api/v1/governance/projects/{pid}/complete", json={"note": "已完成清淤", "version": version},
                    headers=as_user("leader"))
    assert r.status_code == 200 and r.json()["state"] == "done" and r.json()["notes"][-1]["text"] == "【完成】已完成清淤"
    assert client.post(f"/api/v1/governance/projects/{pid}/complete", json={"note": "再次完成"},
                       headers=as_user("leader")).status_code == 409
    assert len(_audits(db, "governance.complete", pid, seen)) == 1
    assert len(_audits(db, "governance.link", pid, seen)) == 1 and len(_audits(db, "governance.unlink", pid, seen)) == 1


def test_a_proactive_task_is_recorded_done_by_its_unit_only(client: TestClient, db: Session, as_user: Any) -> None:
    from hotline.governance import flows

    seen = _seen(db)
    cg = _unit(db, "dept-chengguan")
    now = utcnow()
    start, end = flows.window_of(2099, 7)  # July in the city's time: 2099-06-30 16:00 UTC to 2099-07-31 16:00 UTC
    t = ProactiveTask(key="010104|0|2099-07", category_code="010104", unit_id=cg.id, title="全市7月积水内涝",
                      window_start=start, window_end=end, predicted=12, years=2, created_at=now)
    db.add(t)
    # a deadline late in the UTC day is the next day in the city's time
    p = flows.do_create_project(db, user=_user(db, "leader"), now=datetime(2098, 12, 1, tzinfo=UTC),  # ≤ 2 years
                                title="路灯整治", goal="全市路灯巡检",
                                owner_unit_id=cg.id, deadline=datetime(2099, 3, 1, 20, 0, tzinfo=UTC))
    db.flush()
    assert client.post(f"/api/v1/governance/tasks/{t.id}/done", json={"note": "已清淤"},
                       headers=as_user("water_handler")).status_code == 404
    assert client.post(f"/api/v1/governance/tasks/{t.id}/done", json={"note": "已清淤"},
                       headers=as_user("operator1")).status_code == 403
    r = client.post(f"/api/v1/governance/tasks/{t.id}/done", json={"note": "已清淤", "version": t.version + 1},
                    headers=as_user("cg_handler"))
    assert r.status_code == 409
    r = client.post(f"/api/v1/governance/tasks/{t.id}/done", json={"note": "x"}, headers=as_user("cg_handler"))
    assert r.status_code == 422
    # the page: the unit's own task with its form; done through the form, it shows the note and no form
    page = client.get("/governance", headers=as_user("cg_handler"))
    row = page.text.split(f'id="task-{t.id}"', 1)[1].split("</tr>", 1)[0]
    assert "全市7月积水内涝" in row and "待开始" in row and f'action="/governance/tasks/{t.id}/done"' in row
    assert "2099-07-01 – 2099-07-31" in row, "the window is shown by its local days"
    project_row = page.text.split(f'data-project="{p.id}"', 1)[1].split("</tr>", 1)[0]
    assert "2099-03-02" in project_row and "2099-03-01" not in project_row
    assert "全市7月积水内涝" not in client.get("/governance", headers=as_user("water_handler")).text
    r = client.post(f"/governance/tasks/{t.id}/done", data={"note": "汛前已清淤排水管网", "version": str(t.version)},
                    headers=as_user("cg_handler"), follow_redirects=False)
    assert r.status_code == 303, r.text
    row = client.get("/governance", headers=as_user("cg_handler")).text.split(f'id="task-{t.id}"', 1)[1]
    row = row.split("</tr>", 1)[0]
    assert "汛前已清淤排水管网" in row and "已办" in row and "<form" not in row
    assert len(_audits(db, "governance.task_done", t.id, seen)) == 1


def test_a_leader_makes_the_topic_from_the_hot_matter_page_and_the_unit_writes_progress(
        client: TestClient, db: Session, as_user: Any) -> None:
    cg = _unit(db, "dept-chengguan")
    orders = [_order(db, d, cg) for d in (30, 16, 9, 2)]
    m = _matter(db, orders)
    leader = as_user("leader")
    hot = client.get(f"/hotspots/{m.id}", headers=leader).text
    assert f'href="/governance/new?hot_matter={m.id}"' in hot and "设为每月一题" in hot
    assert "设为每月一题" not in client.get(f"/hotspots/{m.id}", headers=as_user("supervisor")).text
    # the form, prefilled from the matter: its name, the unit that handled its orders
    assert client.get(f"/governance/new?hot_matter={m.id}", headers=as_user("supervisor")).status_code == 403
    form = client.get(f"/governance/new?hot_matter={m.id}", headers=leader)
    assert form.status_code == 200
    assert re.search(r'id="gov-title"[^>]*value="桃源社区积水内涝"', form.text)
    assert re.search(rf'<option value="{cg.id}" selected>', form.text), "the owner defaults to the handling unit"
    assert 'name="csrf_token"' in form.text and 'id="gov-reason"' not in form.text  # first topic: no reason
    # a bad form comes back with the error and what was typed
    r = client.post("/governance/new", headers=leader, data={"hot_matter": str(m.id), "title": "桃源社区积水内涝",
                                                             "goal": "汛期前完成管网清淤", "deadline": "明天",
                                                             "owner_unit_id": str(cg.id)})
    assert r.status_code == 422 and "完成时限" in r.text and "汛期前完成管网清淤" in r.text
    r = client.post("/governance/new", headers=leader, follow_redirects=False, data={
        "hot_matter": str(m.id), "title": "桃源社区积水内涝", "goal": "汛期前完成管网清淤", "deadline": _deadline(),
        "owner_unit_id": str(cg.id)})
    assert r.status_code == 303, r.text
    p = db.scalar(select(GovernanceProject).where(GovernanceProject.hot_matter_id == m.id))
    assert p is not None and r.headers["location"] == f"/governance/{p.id}"
    detail = client.get(f"/governance/{p.id}", headers=leader).text
    assert "汛期前完成管网清淤" in detail and cg.name in detail and "进行中" in detail
    assert 'id="c-gov-volume"' in detail and 'id="gov-data"' in detail and 'id="complete-form"' in detail
    assert all(f'href="/orders/{o.number}"' in detail for o in orders)
    assert f'href="/governance/{p.id}"' in client.get(f"/hotspots/{m.id}", headers=leader).text  # 查看每月一题
    # the list: this month's topic, with its owner and orders
    listing = client.get("/governance", headers=leader).text
    current = listing.split('id="gov-current"', 1)[1].split("</table>", 1)[0]
    assert f'href="/governance/{p.id}"' in current and cg.name in current
    # the owner unit sees it and writes progress; a stale form is a 409 page; another unit: 404
    unit = as_user("cg_handler")
    assert f'href="/governance/{p.id}"' in client.get("/governance", headers=unit).text
    page = client.get(f"/governance/{p.id}", headers=unit).text
    version = re.search(r'id="note-form">.*?name="version" value="(\d+)"', page, re.S)
    assert version and 'id="complete-form"' not in page
    r = client.post(f"/governance/{p.id}/notes", headers=unit, follow_redirects=False,
                    data={"text": "已完成桃源社区雨水管清淤300米", "version": version.group(1)})
    assert r.status_code == 303, r.text
    page = client.get(f"/governance/{p.id}", headers=unit).text
    assert "已完成桃源社区雨水管清淤300米" in page.split('id="gov-notes"', 1)[1]
    r = client.post(f"/governance/{p.id}/notes", headers=unit, data={"text": "第二条进展", "version": version.group(1)})
    assert r.status_code == 409 and "刷新" in r.text and "第二条进展" in r.text  # the text typed is kept
    assert client.get(f"/governance/{p.id}", headers=as_user("water_handler")).status_code == 404
    r = client.post(f"/governance/{p.id}/orders", headers=unit, data={"number": "NO-SUCH-1", "action": "link"})
    assert r.status_code == 404 and "未找到该工单编号" in r.text
    # a second topic this month asks for the reason
    assert 'id="gov-reason"' in client.get("/governance/new", headers=leader).text
    # English
    client.cookies.set("lang", "en")
    en = client.get(f"/governance/{p.id}", headers=leader)
    assert en.status_code == 200 and "Orders per week, before and after" in en.text and "In progress" in en.text
    client.cookies.delete("lang")


def test_the_monthly_report_has_the_months_topic(db: Session) -> None:
    from hotline.governance import flows
    from hotline.reports import service as reports

    cg = _unit(db, "dept-chengguan")
    m = _matter(db, [_order(db, d, cg) for d in (12, 6)])
    now = utcnow()
    flows.do_create_project(db, user=_user(db, "leader"), now=now, title="", goal="汛期前完成管网清淤",
                            owner_unit_id=None, deadline=now + timedelta(days=30), hot_matter=m)
    db.flush()
    local = now.astimezone(city_tz())
    ctx = reports.context(db, local.year, local.month, now=now)
    sections = {s.key: s for s in reports.build(db, local.year, local.month, now=now).sections}
    s = sections["governance"]
    assert s.title == "每月一题" and [r["title"] for r in s.data["projects"]] == ["桃源社区积水内涝"]
    assert s.tables[0].head == ["题目", "责任单位", "完成时限", "状态", "关联工单", "开始前周均", "开始后周均"]
    row = s.tables[0].rows[0]
    assert row[0] == "桃源社区积水内涝" and row[1] == cg.name and row[3] == "进行中" and row[4] == "2"
    assert "桃源社区积水内涝（前）" in str(s.chart)
    assert ctx.period.start <= now < ctx.period.end


def test_the_database_keeps_one_open_project_per_hot_matter(db: Session) -> None:
    """Two leaders clicking 设为每月一题 at once both pass the flow's read check (PostgreSQL, read committed):
    the partial unique index makes the second insert fail (a 409 through ``commit_or_conflict``)."""
    import pytest
    from sqlalchemy.exc import IntegrityError

    from hotline.governance.models import GovernanceProject

    cg = _unit(db, "dept-chengguan")
    m = _matter(db, [_order(db, d, cg) for d in (20, 12, 5)])
    now = utcnow()

    def row(**kw: Any) -> GovernanceProject:
        return GovernanceProject(month="2026-12", title=m.name, goal="治理", hot_matter_id=m.id, owner_unit_id=cg.id,
                                 started_at=now, deadline=now, **kw)

    first = row()
    db.add(first)
    db.flush()
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(row())
        db.flush()
    first.completed_at = now  # once the first is done, the matter may become a topic again
    db.flush()
    db.add(row())
    db.flush()
