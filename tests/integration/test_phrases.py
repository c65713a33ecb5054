"""常用语 (reply templates): CRUD with role checks, placeholders filled from the order, the reply
form's tools (templates, knowledge answers, an attachment from inside the form)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.org.models import AuditLog
from hotline.phrases.fill import OrderFacts, fill, unknown
from tests.conftest import login
from tests.integration.helpers import dispatched, ok

BODY = "您好，您反映的工单{工单编号}（{受理日期}受理）已由{承办单位}办理：{原因}"


def test_fill_is_pure_and_keeps_unknown_placeholders() -> None:
    from datetime import date

    f = OrderFacts(number="QY1", created=date(2026, 12, 2), unit="市城管局", title="路灯", today=date(2026, 12, 3))
    assert fill(BODY, f) == "您好，您反映的工单QY1（2026年12月2日受理）已由市城管局办理：{原因}"
    assert unknown(BODY) == ["原因"]


def test_unit_staff_keep_their_templates_and_others_may_not(client: TestClient, as_user: Any, db: Session) -> None:
    h = as_user("cg_handler")
    bad = client.post("/api/v1/reply-templates", json={"title": "清理完毕", "body": BODY}, headers=h)
    assert bad.status_code == 422 and "{原因}" in bad.json()["error"]["message"]
    body = "您好，工单{工单编号}反映的问题，{承办单位}已于今日现场处理完毕。"
    r = client.post("/api/v1/reply-templates", json={"title": "清理完毕", "body": body}, headers=h)
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    assert [t["title"] for t in client.get("/api/v1/reply-templates", headers=h).json()] == ["清理完毕"]
    # another unit neither sees nor edits it; an operator keeps none at all
    other = as_user("zj_handler")
    assert client.get("/api/v1/reply-templates", headers=other).json() == []
    assert client.put(f"/api/v1/reply-templates/{tid}", json={"title": "改", "body": body}, headers=other).status_code == 404
    assert client.post("/api/v1/reply-templates", json={"title": "受理", "body": body},
                       headers=as_user("operator1")).status_code == 403
    r = client.put(f"/api/v1/reply-templates/{tid}", json={"title": "现场处理完毕", "body": body}, headers=h)
    assert r.status_code == 200 and r.json()["title"] == "现场处理完毕"
    assert db.scalar(select(AuditLog).where(AuditLog.action == "reply_template.update")) is not None
    assert client.delete(f"/api/v1/reply-templates/{tid}", headers=h).status_code == 204
    assert client.get("/api/v1/reply-templates", headers=h).json() == []


def test_templates_for_an_order_are_filled_and_the_centre_shares_its_own(client: TestClient, as_user: Any) -> None:
    client.post("/api/v1/reply-templates", headers=as_user("admin"),
                json={"title": "中心通用", "body": "工单{工单编号}：感谢您对12345热线的支持。"}).raise_for_status()
    client.post("/api/v1/reply-templates", headers=as_user("cg_handler"),
                json={"title": "清理完毕", "body": "工单{工单编号}（{受理日期}受理），{承办单位}已处理完毕。"}).raise_for_status()
    n = dispatched(client, as_user, "dept-chengguan")
    got = client.get(f"/api/v1/reply-templates/for-order/{n}", headers=as_user("cg_handler")).json()
    assert [t["title"] for t in got] == ["清理完毕", "中心通用"]  # the unit's own first
    unit = client.get(f"/api/v1/orders/{n}", headers=as_user("cg_handler")).json()["lead_unit"]["name"]
    assert got[0]["filled"].startswith(f"工单{n}（") and got[0]["filled"].endswith(f"受理），{unit}已处理完毕。")
    assert got[1]["filled"] == f"工单{n}：感谢您对12345热线的支持。"


def test_reply_tools_page_and_attachment_inside_the_form(client: TestClient, as_user: Any, db: Session) -> None:
    client.post("/api/v1/reply-templates", headers=as_user("cg_handler"),
                json={"title": "清理完毕", "body": "工单{工单编号}已处理完毕。"}).raise_for_status()
    n = dispatched(client, as_user, "dept-chengguan")
    ok(client, as_user("cg_handler"), n, "sign")
    csrf = login(client, "cg_handler", db=db)
    page = client.get(f"/orders/{n}")
    assert f'hx-get="/orders/{n}/reply-tools"' in page.text  # the reply form loads its tools
    tools = client.get(f"/orders/{n}/reply-tools")
    assert f"工单{n}已处理完毕。" in tools.text and "插入常用语" in tools.text
    up = client.post(f"/orders/{n}/reply-tools/attach", files={"file": ("现场.jpg", b"\xff\xd8\xff\xe0demo", "image/jpeg")},
                     headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
    assert up.status_code == 200, up.text
    assert "已附：现场.jpg" in up.text
    events = client.get(f"/api/v1/orders/{n}", headers=as_user("cg_handler")).json()["events"]
    assert any("现场.jpg" in (e.get("note") or "") for e in events)


def test_templates_page_crud(client: TestClient, db: Session) -> None:
    csrf = login(client, "cg_handler", db=db)
    r = client.post("/reply-templates", data={"csrf_token": csrf, "title": "x", "body": "短"})
    assert r.status_code == 422 and "常用语名称须为2至40个字" in r.text
    r = client.post("/reply-templates", data={"csrf_token": csrf, "title": "已派员处理", "body": "工单{工单编号}已派员现场处理。"},
                    follow_redirects=True)
    assert r.status_code == 200 and "已派员处理" in r.text and "{工单编号}" in r.text
    assert client.get("/reply-templates").status_code == 200
    login(client, "operator1", db=db)
    assert client.get("/reply-templates").status_code == 403


def test_demo_seeds_templates_and_views(client: TestClient, as_user: Any, db: Session) -> None:
    from hotline.demo.worklists import seed_worklists

    assert seed_worklists(db) == 8  # 3 templates, 5 views (one of the queue, one of the inbox)
    assert seed_worklists(db) == 0  # idempotent
    db.flush()
    assert {t["title"] for t in client.get("/api/v1/reply-templates", headers=as_user("cg_handler")).json()} == {
        "占道经营已清理", "路灯已修复"}
    assert [v["name"] for v in client.get("/api/v1/saved-views?list=orders", headers=as_user("dispatcher")).json()] == [
        "紧急待派单", "超期工单（按时限灯）"]
    queue = client.get("/api/v1/saved-views?list=queue", headers=as_user("dispatcher")).json()
    assert [v["name"] for v in queue] == ["队列·紧急（按时限灯）"] and queue[0]["href"].startswith("/queue?")
    inbox = client.get("/api/v1/saved-views?list=inbox", headers=as_user("cg_handler")).json()
    assert [v["name"] for v in inbox] == ["待办·超期"] and inbox[0]["href"].startswith("/inbox?")
