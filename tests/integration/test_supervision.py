"""Supervision (督办): notices issued, answered, flagged overdue and closed; accountability records;
who sees what; and the console pages (board with traffic lights, a unit's notices, notifications)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.orders.models import Order, OrderEvent
from hotline.org.models import AuditLog
from hotline.outbox.service import deliver
from hotline.supervision.models import Supervision
from hotline.supervision.sweep import sweep
from tests.conftest import login
from tests.integration.helpers import dispatched

TOMORROW = (utcnow() + timedelta(days=2)).date().isoformat()


def _issue(client: TestClient, headers: dict[str, str], number: str, **kw) -> dict:  # type: ignore[no-untyped-def, type-arg]
    body = {"order_number": number, "level": "supervise", "respond_by": TOMORROW, "note": "请于期限内回复办理情况", **kw}
    r = client.post("/api/v1/supervisions", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def _order(db: Session, number: str) -> Order:
    o = db.scalar(select(Order).where(Order.number == number).execution_options(populate_existing=True))
    assert o is not None
    return o


def test_issue_respond_close(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    n = dispatched(client, as_user, "dept-chengguan")
    sup, cg, zj = as_user("supervisor"), as_user("cg_handler"), as_user("zj_handler")
    s = _issue(client, sup, n, level="listed")
    assert s["level_zh"] == "挂牌督办" and s["state"] == "open" and s["unit"] == "dept-chengguan"
    assert [x["id"] for x in client.get("/api/v1/supervisions", headers=cg).json()] == [s["id"]]
    assert client.get("/api/v1/supervisions", headers=zj).json() == []  # another unit sees nothing
    assert client.get(f"/api/v1/supervisions/{s['id']}", headers=zj).status_code == 404
    r = client.post(f"/api/v1/supervisions/{s['id']}/respond", json={"content": "短"}, headers=cg)
    assert r.status_code == 422
    r = client.post(f"/api/v1/supervisions/{s['id']}/respond", json={"content": "已组织队员现场清理，并建立巡查机制。"},
                    headers=cg)
    assert r.status_code == 200 and r.json()["state"] == "answered"
    r = client.post(f"/api/v1/supervisions/{s['id']}/respond", json={"content": "再次回复一遍内容"}, headers=cg)
    assert r.status_code == 409
    assert client.post(f"/api/v1/supervisions/{s['id']}/close", json={}, headers=cg).status_code == 403
    r = client.post(f"/api/v1/supervisions/{s['id']}/close", json={"note": "回复属实"}, headers=sup)
    assert r.status_code == 200 and r.json()["state"] == "closed"
    actions = [e["action"] for e in client.get(f"/api/v1/orders/{n}", headers=sup).json()["events"]]
    assert actions[-3:] == ["supervise", "respond_supervision", "comment"]  # every write is on the timeline


def test_who_may_issue_and_bad_input(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    n = dispatched(client, as_user, "dept-chengguan")
    r = client.post("/api/v1/supervisions", json={"order_number": n, "note": "请尽快办理"},
                    headers=as_user("cg_handler"))
    assert r.status_code == 403
    r = client.post("/api/v1/supervisions", json={"order_number": n, "level": "supervise", "note": "请尽快办理"},
                    headers=as_user("dispatcher"))
    assert r.status_code == 403  # 督办 is the supervisors'; dispatchers may only 催办
    s = _issue(client, as_user("dispatcher"), n, level="urge")
    assert s["level"] == "urge"
    r = client.post("/api/v1/supervisions", json={"order_number": n, "respond_by": "2020-01-01", "note": "请办理"},
                    headers=as_user("supervisor"))
    assert r.status_code == 422 and r.json()["error"]["code"] == "respond_by_past"
    r = client.post("/api/v1/supervisions", json={"order_number": n, "respond_by": "明天", "note": "请办理"},
                    headers=as_user("supervisor"))
    assert r.status_code == 422
    r = client.post("/api/v1/supervisions", json={"order_number": "QY0", "note": "请办理"},
                    headers=as_user("supervisor"))
    assert r.status_code == 404


def test_unanswered_notice_is_flagged_overdue_once(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    n = dispatched(client, as_user, "dept-chengguan")
    s = _issue(client, as_user("supervisor"), n)
    rec = db.get(Supervision, s["id"])
    assert rec is not None
    late = rec.respond_by + timedelta(minutes=1)
    order = _order(db, n)
    assert order.due_at is not None
    st = sweep(db, now=late)
    assert st.supervisions_overdue == 1
    db.refresh(rec)
    assert rec.state == "overdue"
    assert sweep(db, now=late + timedelta(hours=1)).supervisions_overdue == 0
    audits = list(db.scalars(select(AuditLog).where(AuditLog.entity == "supervision",
                                                    AuditLog.entity_id == str(rec.id))))
    assert len(audits) == 1 and audits[0].action == "supervision.overdue"
    r = client.get("/api/v1/supervisions?state=overdue", headers=as_user("cg_handler")).json()
    assert [x["id"] for x in r] == [rec.id]
    r = client.post(f"/api/v1/supervisions/{rec.id}/respond", json={"content": "迟复：已处理完毕，敬请谅解。"},
                    headers=as_user("cg_handler"))
    assert r.status_code == 200
    ev = db.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id,
                                             OrderEvent.action == "respond_supervision")).one()
    assert ev.data["late"] is True


def test_accountability(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    n = dispatched(client, as_user, "dept-chengguan")
    body = {"unit": "dept-chengguan", "people": [{"username": "cg_handler"}, {"name": "王某（中队长）"}],
            "order_numbers": [n], "finding": "多次超期未签收，且未按期回复督办。", "outcome": "interview"}
    assert client.post("/api/v1/accountability", json=body, headers=as_user("cg_leader")).status_code == 403
    bad = client.post("/api/v1/accountability", json={**body, "outcome": "firing"}, headers=as_user("supervisor"))
    assert bad.status_code == 422
    r = client.post("/api/v1/accountability", json=body, headers=as_user("supervisor"))
    assert r.status_code == 201, r.text
    rec = r.json()
    assert rec["outcome_zh"] == "约谈" and rec["orders"] == [n] and len(rec["people"]) == 2
    audit = db.scalar(select(AuditLog).where(AuditLog.entity == "accountability",
                                             AuditLog.entity_id == str(rec["id"])))
    assert audit is not None and audit.data["outcome"] == "interview"
    assert [a["id"] for a in client.get("/api/v1/accountability", headers=as_user("cg_leader")).json()] == [rec["id"]]
    assert client.get("/api/v1/accountability", headers=as_user("zj_handler")).json() == []
    listed = client.get("/api/v1/accountability?unit=dept-chengguan", headers=as_user("leader")).json()
    assert [a["id"] for a in listed] == [rec["id"]]


# ---------------------------------------------------------------- console


def warn_time(o):  # type: ignore[no-untyped-def]
    from hotline.sla.service import warn_time as wt

    return wt(o)


def _make_red_and_yellow(client: TestClient, as_user, db: Session) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """Two orders whose clocks are set back: one overdue, one 90 % through its time (test data only)."""
    red, yellow = dispatched(client, as_user, "dept-chengguan"), dispatched(client, as_user, "dept-zhujian")
    now = utcnow()
    for number, start, due in ((red, now - timedelta(days=10), now - timedelta(days=1)),
                               (yellow, now - timedelta(days=30), now + timedelta(hours=2))):
        o = _order(db, number)
        o.clock_started_at, o.due_at, o.sign_due_at, o.reply_due_at = start, due, due, due
        o.warn_at = warn_time(o)  # as the flows do whenever a deadline moves
    db.flush()
    return red, yellow


def test_board_shows_lights_and_refreshes_itself(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    red, yellow = _make_red_and_yellow(client, as_user, db)
    login(client, "supervisor", db=db)
    page = client.get("/supervision")
    assert page.status_code == 200
    html = page.text
    assert 'hx-trigger="every 30s' in html and "督办看板" in html
    assert red in html and yellow in html
    assert 'class="dot red"' in html and 'class="dot yellow"' in html
    assert "城市管理" in html or "城管" in html  # grouped by lead unit
    assert 'value="supervise"' in html  # one-click 督办 for supervisors
    part = client.get("/supervision/lists", headers={"HX-Request": "true"})
    assert part.status_code == 200 and "<html" not in part.text and red in part.text
    # one click: 督办 the red order from the board
    csrf = login(client, "supervisor", db=db)
    r = client.post("/supervision/issue", data={"order_number": red, "level": "supervise", "note": "请立即办理",
                                                "respond_by": TOMORROW, "csrf_token": csrf},
                    headers={"HX-Request": "true"})
    assert r.status_code == 200 and r.headers.get("HX-Trigger") == "board-refresh"
    assert "待回复" in client.get("/supervision/lists").text


def test_board_roles(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    _make_red_and_yellow(client, as_user, db)
    login(client, "leader", db=db)
    html = client.get("/supervision").text
    assert 'class="dot red"' in html and 'value="supervise"' not in html and 'value="urge"' not in html
    login(client, "cg_handler", db=db)
    assert client.get("/supervision").status_code == 403


def test_unit_pages_are_scoped(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    n = dispatched(client, as_user, "dept-chengguan")
    s = _issue(client, as_user("supervisor"), n, note="请说明处理进度（督办测试）")
    login(client, "zj_handler", db=db)
    assert "督办测试" not in client.get("/supervision/mine").text
    csrf = login(client, "cg_handler", db=db)
    page = client.get("/supervision/mine")
    assert page.status_code == 200 and "督办测试" in page.text and n in page.text
    r = client.post(f"/supervision/{s['id']}/respond", data={"content": "已于今日完成清理工作。", "csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 303
    assert db.get(Supervision, s["id"]).state == "answered"
    login(client, "supervisor", db=db)
    assert client.get("/supervision/mine").status_code == 403


def test_notifications_page_and_count(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    n = dispatched(client, as_user, "dept-chengguan")
    _issue(client, as_user("supervisor"), n)
    deliver(db, now=utcnow() + timedelta(seconds=1))
    login(client, "cg_leader", db=db)  # leaders get the unit's notices and those addressed to leaders
    page = client.get("/notifications")
    assert page.status_code == 200 and n in page.text and "督办" in page.text
    badge = client.get("/notifications/count")
    assert badge.status_code == 200 and "badge" in badge.text
    # the bell and the page put what asks for something first: the 督办 and the new dispatch need action
    assert 'class="badge urgent"' in badge.text and "需要处理" in badge.text
    assert page.text.index("需要处理") < page.text.index(n)
    login(client, "zj_handler", db=db)
    assert n not in client.get("/notifications").text


def test_accountability_page(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    n = dispatched(client, as_user, "dept-chengguan")
    csrf = login(client, "supervisor", db=db)
    assert "新建问责记录" in client.get("/supervision/accountability").text
    r = client.post("/supervision/accountability", data={
        "unit": "dept-chengguan", "people": "cg_handler\n王某", "order_numbers": n,
        "finding": "超期未办结且未回复督办", "outcome": "criticism", "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    html = client.get("/supervision/accountability").text
    assert "通报批评" in html and n in html and "王某" in html
    login(client, "cg_leader", db=db)
    html = client.get("/supervision/accountability").text
    assert "通报批评" in html and "新建问责记录" not in html
