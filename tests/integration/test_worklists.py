"""Saved views (per person, per role, with counts) and bulk work on selected orders (issue #20 item 3)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.orders.models import Order, OrderEvent
from hotline.org.models import AuditLog
from tests.conftest import login
from tests.integration.helpers import act, create, leaf_category, ok


def _three(client: TestClient, as_user: Any, title: str = "路灯不亮") -> list[str]:
    return [create(client, as_user("operator1"), title=f"{title}{i}", urgency="urgent")["number"] for i in range(3)]


def test_saved_view_for_a_person_with_its_count(client: TestClient, as_user: Any, db: Session) -> None:
    _three(client, as_user)
    h = as_user("dispatcher")
    r = client.post("/api/v1/saved-views", json={"name": "紧急待派", "query": {"status": "received", "urgency": "urgent",
                                                                             "sort": "light", "bogus": "x"}}, headers=h)
    assert r.status_code == 201, r.text
    view = r.json()
    assert view["query"] == {"status": "received", "urgency": "urgent", "sort": "light"}  # unknown keys dropped
    assert view["count"] == 3
    listed = client.get("/api/v1/saved-views", headers=h).json()
    assert [v["name"] for v in listed] == ["紧急待派"] and listed[0]["count"] == 3
    # a person's view is theirs alone: another dispatcher-role user does not see it, nor may the operator
    assert client.get("/api/v1/saved-views", headers=as_user("operator1")).json() == []
    assert client.get(f"/api/v1/saved-views/{view['id']}", headers=as_user("operator1")).status_code == 404
    assert db.scalar(select(AuditLog).where(AuditLog.action == "saved_view.create")) is not None
    assert client.delete(f"/api/v1/saved-views/{view['id']}", headers=h).status_code == 204
    assert client.get("/api/v1/saved-views", headers=h).json() == []


def test_role_views_need_an_admin_or_supervisor(client: TestClient, as_user: Any) -> None:
    body = {"name": "超期工单", "query": {"overdue": "true"}, "share_with_role": "dispatcher"}
    refused = client.post("/api/v1/saved-views", json=body, headers=as_user("operator1"))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "view_share_role"
    r = client.post("/api/v1/saved-views", json={**body, "share_with_role": "supervisor"}, headers=as_user("supervisor"))
    assert r.status_code == 201, r.text
    assert r.json()["shared_with_role"] == "supervisor"
    assert [v["name"] for v in client.get("/api/v1/saved-views", headers=as_user("supervisor")).json()] == ["超期工单"]
    assert client.get("/api/v1/saved-views", headers=as_user("dispatcher")).json() == []


def test_bulk_dispatch_reports_each_order_and_writes_each_timeline(client: TestClient, as_user: Any, db: Session) -> None:
    numbers = _three(client, as_user)
    # one of them is taken away first: its bulk dispatch is an illegal move (409), the others go through
    h = as_user("dispatcher")
    cat = leaf_category(client, h)
    ok(client, h, numbers[1], "dispatch", lead_unit="dept-zhujian", category_code=cat)
    r = client.post("/api/v1/orders/bulk", headers=h, json={
        "numbers": [*numbers, "QY-NOPE"], "action": "dispatch",
        "payload": {"lead_unit": "dept-chengguan", "category_code": cat}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["done"], body["failed"]) == (2, 2)
    res = {x["number"]: x for x in body["results"]}
    assert res[numbers[0]]["ok"] and res[numbers[0]]["status"] == "dispatched"
    assert not res[numbers[1]]["ok"] and res[numbers[1]]["status_code"] == 409
    assert res["QY-NOPE"]["status_code"] == 404
    # each order its own timeline row; the refused one untouched (still with the unit it had)
    for n in (numbers[0], numbers[2]):
        order = db.scalar(select(Order).where(Order.number == n))
        assert order is not None and order.lead_unit is not None and order.lead_unit.code == "dept-chengguan"
        assert db.scalar(select(OrderEvent).where(OrderEvent.order_id == order.id, OrderEvent.action == "dispatch"))
    refused = db.scalar(select(Order).where(Order.number == numbers[1]))
    assert refused is not None and refused.lead_unit is not None and refused.lead_unit.code == "dept-zhujian"
    events = db.scalars(select(OrderEvent).where(OrderEvent.order_id == refused.id, OrderEvent.action == "dispatch"))
    assert len(list(events)) == 1


def test_bulk_urge_and_roles(client: TestClient, as_user: Any) -> None:
    numbers = _three(client, as_user)
    refused = client.post("/api/v1/orders/bulk", headers=as_user("cg_handler"),
                          json={"numbers": numbers, "action": "urge", "payload": {"note": "请尽快"}})
    assert refused.status_code == 403
    assert client.post("/api/v1/orders/bulk", headers=as_user("dispatcher"),
                       json={"numbers": numbers, "action": "withdraw", "payload": {}}).status_code == 422
    r = client.post("/api/v1/orders/bulk", headers=as_user("supervisor"),
                    json={"numbers": numbers, "action": "urge", "payload": {"note": "请尽快派单处理"}})
    assert r.status_code == 200 and r.json()["done"] == 3, r.text
    timeline = client.get(f"/api/v1/orders/{numbers[0]}", headers=as_user("dispatcher")).json()["events"]
    assert any(e["action"] == "urge" and "请尽快派单处理" in (e.get("note") or "") for e in timeline)


def test_bulk_callback_agent(client: TestClient, as_user: Any, db: Session) -> None:
    from hotline.callbacks.models import CallbackTask

    h = as_user("dispatcher")
    number = create(client, as_user("operator1"))["number"]
    ok(client, h, number, "dispatch", lead_unit="dept-chengguan", category_code=leaf_category(client, h))
    hu = as_user("cg_handler")
    ok(client, hu, number, "sign")
    ok(client, hu, number, "reply", content="经现场核查，摊贩已于当日清理完毕，城管中队已安排每晚巡查，防止反弹。")
    ok(client, h, number, "complete")
    fresh = create(client, as_user("operator1"))["number"]  # no callback task yet
    r = client.post("/api/v1/orders/bulk/callback-agent", headers=h, json={"numbers": [number, fresh], "agent": "callback2"})
    assert r.status_code == 200, r.text
    res = {x["number"]: x for x in r.json()["results"]}
    assert res[number]["ok"] and res[fresh]["code"] == "no_callback_task"
    task = db.scalar(select(CallbackTask).join(Order).where(Order.number == number))
    from hotline.org.models import User

    agent = db.scalar(select(User).where(User.username == "callback2"))
    assert task is not None and agent is not None and task.agent_id == agent.id
    assert client.post("/api/v1/orders/bulk/callback-agent", headers=as_user("operator1"),
                       json={"numbers": [number], "agent": "callback2"}).status_code == 403


def test_list_sorted_by_light_and_views_bar_and_bulk_page(client: TestClient, as_user: Any, db: Session) -> None:
    from datetime import timedelta

    numbers = _three(client, as_user, "井盖缺失")
    h = as_user("dispatcher")
    cat = leaf_category(client, h)
    for n in numbers:
        ok(client, h, n, "dispatch", lead_unit="dept-chengguan", category_code=cat)
    late = db.scalar(select(Order).where(Order.number == numbers[2]))
    assert late is not None and late.due_at is not None
    late.due_at = late.clock_started_at + timedelta(minutes=1)  # already overdue: red
    db.flush()
    csrf = login(client, "dispatcher", db=db)
    page = client.get("/orders", params={"q": "井盖缺失", "sort": "light"})
    assert page.status_code == 200
    first = page.text.index(numbers[2])
    assert all(first < page.text.index(n) for n in numbers[:2])  # the overdue order comes first
    r = client.post("/views", data={"csrf_token": csrf, "name": "井盖", "q": "井盖缺失", "sort": "light"},
                    headers={"HX-Request": "true"})
    assert r.status_code == 204 and r.headers["HX-Redirect"].startswith("/orders?")
    bar = client.get("/views/bar?list=queue")
    assert "井盖" in bar.text and ">3<" in bar.text.replace('"n ">', ">").replace('<span class="n ">', ">")
    form = client.get("/worklists/bulk-form")
    assert "批量派单" in form.text
    done = client.post("/worklists/bulk", data={"csrf_token": csrf, "number": numbers, "bulk_action": "urge",
                                                "note": "请今日内处理完毕"})
    assert done.status_code == 200
    assert done.text.count("请今日内处理完毕") == 3 and "成功 3" in done.text.replace("</span>", "")


def test_export_of_a_selection(client: TestClient, as_user: Any) -> None:
    numbers = _three(client, as_user, "噪音扰民")
    r = client.get("/api/v1/exports/orders.csv", params={"number": numbers[:2]}, headers=as_user("dispatcher"))
    assert r.status_code == 200
    assert numbers[0] in r.text and numbers[1] in r.text and numbers[2] not in r.text


def test_act_is_unchanged_for_a_single_refusal(client: TestClient, as_user: Any) -> None:
    """The bulk path adds nothing to one order's own refusal: the same 409 code as the API."""
    n = _three(client, as_user)[0]
    h = as_user("dispatcher")
    cat = leaf_category(client, h)
    ok(client, h, n, "dispatch", lead_unit="dept-chengguan", category_code=cat)
    single = act(client, h, n, "dispatch", lead_unit="dept-chengguan", category_code=cat)
    bulk = client.post("/api/v1/orders/bulk", headers=h, json={
        "numbers": [n], "action": "dispatch", "payload": {"lead_unit": "dept-chengguan", "category_code": cat}})
    assert single.status_code == 409
    assert bulk.json()["results"][0]["code"] == single.json()["error"]["code"]
