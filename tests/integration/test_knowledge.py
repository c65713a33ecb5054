"""知识库: owners edit, every edit a version, search returns the current version (Chinese
segmentation, ranked), CSV import is idempotent, review reminders go once to the owning unit, and
answering an order from an entry closes it at first contact with a reference to the entry."""

from __future__ import annotations

import csv
import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.knowledge.flows import do_import, do_remind_due
from hotline.knowledge.models import KnowledgeEntry
from hotline.orders.actor import Actor
from hotline.orders.models import OrderEvent
from hotline.outbox.models import OutboxMessage
from tests.conftest import login
from tests.integration.helpers import create

FUND = {"question": "如何提取住房公积金支付医药费", "tags": ["公积金", "提取"],
        "answer": "职工本人或直系亲属患重大疾病的，可凭医院诊断证明和费用票据到公积金中心窗口申请提取。",
        "policy_basis": "《住房公积金管理条例》第二十四条"}
PARK = {"question": "小区停车费收费标准由谁定", "answer": "住宅小区停车收费由业主大会决定，物业服务企业按约定执行，可向发改部门咨询。"}


def _new(client: TestClient, headers: dict[str, str], **body: object) -> dict:
    r = client.post("/api/v1/knowledge", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def test_owner_units_maintain_entries_and_every_edit_is_a_version(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    cg, zj, admin = as_user("cg_handler"), as_user("zj_handler"), as_user("admin")
    e = _new(client, cg, **PARK)
    assert e["owner_unit"]["code"] == "dept-chengguan" and e["version"] == 1
    r = client.post("/api/v1/knowledge", json={**PARK, "owner_unit": "dept-zhujian"}, headers=cg)
    assert r.status_code == 403
    edited = {**PARK, "answer": "住宅小区停车收费标准由业主大会决定；临时停放15分钟内免费。", "note": "新规"}
    assert client.put(f"/api/v1/knowledge/{e['id']}", json=edited, headers=zj).status_code == 403
    r = client.put(f"/api/v1/knowledge/{e['id']}", json={**edited, "expected_version": 1}, headers=cg)
    assert r.status_code == 200 and r.json()["version"] == 2
    r = client.put(f"/api/v1/knowledge/{e['id']}", json={**edited, "expected_version": 1}, headers=admin)
    assert r.status_code == 409  # stale
    vs = client.get(f"/api/v1/knowledge/{e['id']}/versions", headers=zj).json()
    assert [v["number"] for v in vs] == [2, 1] and vs[0]["note"] == "新规" and "临时停放" not in vs[1]["answer"]
    assert client.put(f"/api/v1/knowledge/{e['id']}", json={**PARK, "valid_from": "2026-02-01",
                                                            "valid_until": "2026-01-01"}, headers=admin
                      ).status_code == 422
    assert client.get("/api/v1/knowledge/999999", headers=cg).status_code == 404


def test_search_segments_chinese_and_returns_the_current_version(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("admin")
    fund = _new(client, admin, **FUND)
    _new(client, admin, **PARK)
    items = client.get("/api/v1/knowledge", params={"q": "老人住院能不能取公积金"}, headers=admin).json()["items"]
    assert items[0]["id"] == fund["id"] and items[0]["score"] > 0
    client.put(f"/api/v1/knowledge/{fund['id']}", json={**FUND, "answer": "请携带身份证和诊断证明到公积金服务大厅办理提取。"},
               headers=admin)
    items = client.get("/api/v1/knowledge", params={"q": "公积金 提取"}, headers=admin).json()["items"]
    assert items[0]["version"] == 2 and "服务大厅" in items[0]["answer"]
    old = client.get("/api/v1/knowledge", params={"q": "重大疾病 费用票据"}, headers=admin).json()["items"]
    assert fund["id"] not in [i["id"] for i in old]  # the old answer's words no longer find it
    assert client.get("/api/v1/knowledge", params={"q": "的了"}, headers=admin).json()["items"] == []
    expired = _new(client, admin, **{**PARK, "question": "旧的停车收费规定", "valid_until":
                                     (date.today() - timedelta(days=1)).isoformat()})  # noqa: DTZ011
    ids = [i["id"] for i in client.get("/api/v1/knowledge", params={"q": "停车收费"}, headers=admin).json()["items"]]
    assert expired["id"] not in ids


def test_answer_order_from_entry_closes_at_first_contact(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    op = as_user("operator1")
    e = _new(client, as_user("admin"), **FUND)
    n = create(client, op, kind="consultation", title="咨询公积金提取", content="家里老人住院，想问公积金能不能提取？")["number"]
    assert client.post(f"/api/v1/orders/{n}/answer-from-knowledge", json={"entry_id": e["id"]},
                       headers=as_user("cg_handler")).status_code == 404  # not the unit's order
    r = client.post(f"/api/v1/orders/{n}/answer-from-knowledge", json={"entry_id": e["id"]}, headers=op)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "completed" and body["first_contact_resolved"] is True
    assert body["replies"][0]["content"] == FUND["answer"]
    ev = db.scalar(select(OrderEvent).where(OrderEvent.action == "answer_first_contact").order_by(OrderEvent.id.desc()))
    assert ev is not None and ev.data["knowledge_entry"] == f"kb:{e['id']}@v1"
    r = client.post(f"/api/v1/orders/{n}/answer-from-knowledge", json={"entry_id": e["id"]}, headers=op)
    assert r.status_code == 409


def test_import_is_idempotent_by_external_key(db: Session) -> None:
    actor = Actor(role="admin", label="test")
    rows = [{"id": "1", "q": "如何办理居住证", "a": "网友您好！您的留言已收悉。携带身份证到社区服务中心办理居住证。感谢您的支持！2019年4月24日"},
            {"id": "2", "q": "短", "a": "太短"}]
    args = {"mapping": {"q": "question", "a": "answer"}, "key_column": "id", "key_prefix": "t.csv",
            "owner_unit": "centre", "actor": actor}
    assert do_import(db, rows=rows, **args) == {"created": 1, "updated": 0, "unchanged": 0, "skipped": 1}
    e = db.scalar(select(KnowledgeEntry).where(KnowledgeEntry.external_key == "t.csv:1"))
    assert e is not None and e.answer == "携带身份证到社区服务中心办理居住证。"
    assert do_import(db, rows=rows, **args)["unchanged"] == 1
    rows[0]["a"] = "携带身份证和租房合同到社区服务中心办理居住证。"
    assert do_import(db, rows=rows, **args)["updated"] == 1
    assert e.version == 2 and db.scalar(select(KnowledgeEntry.id).where(
        KnowledgeEntry.external_key == "t.csv:1")) == e.id


def test_import_real_replies(db: Session) -> None:
    data = Path(os.environ.get("HOTLINE_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))
    path = data / "replies.csv"
    if not path.exists():
        pytest.skip("shared data not available")
    with path.open(encoding="utf-8") as fh:
        rows = [r for _, r in zip(range(40), csv.DictReader(fh), strict=False)]
    counts = do_import(db, rows=rows, mapping={"留言主题": "question", "答复意见": "answer"}, key_column="留言编号",
                       key_prefix="replies.csv", owner_unit="centre", actor=Actor(role="admin", label="test"))
    assert counts["created"] >= 35
    answers = db.scalars(select(KnowledgeEntry.answer).where(KnowledgeEntry.external_key.like("replies.csv:%")))
    assert not [a for a in answers if a.startswith("网友")]


def test_review_reminders_go_once_to_the_owning_unit(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    today = date.today()  # noqa: DTZ011
    e = _new(client, as_user("cg_handler"), **PARK, review_date=(today - timedelta(days=1)).isoformat())
    _new(client, as_user("cg_handler"), **FUND, review_date=(today + timedelta(days=90)).isoformat())
    actor = Actor(role="system", label="系统")
    assert do_remind_due(db, today=today, actor=actor) >= 1
    msgs = db.scalars(select(OutboxMessage).where(OutboxMessage.topic == "knowledge.review_due")).all()
    mine = [m for m in msgs if m.payload["entry"] == e["id"]]
    assert len(mine) == 1 and mine[0].recipient == "unit:dept-chengguan" and mine[0].channel == "inbox"
    assert not [m for m in msgs if m.payload["question"] == FUND["question"]]
    do_remind_due(db, today=today, actor=actor)
    assert len(db.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == f"kb-review:{e['id']}:"
                                                      f"{(today - timedelta(days=1)).isoformat()}")).all()) == 1
    due = client.get("/api/v1/knowledge/due", headers=as_user("cg_handler")).json()
    assert e["id"] in [d["id"] for d in due]
    assert e["id"] not in [d["id"] for d in client.get("/api/v1/knowledge/due", headers=as_user("zj_handler")).json()]


def test_console_pages(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    e = _new(client, as_user("cg_handler"), **PARK)
    csrf = login(client, "cg_handler", db=db)
    assert "停车" in client.get("/knowledge", params={"q": "停车费"}).text
    page = client.get(f"/knowledge/{e['id']}")
    assert page.status_code == 200 and "版本历史" in page.text and "修改" in page.text
    r = client.post(f"/knowledge/{e['id']}/edit", data={"csrf_token": csrf, "question": PARK["question"],
                                                        "answer": "短", "expected_version": "1"})
    assert r.status_code == 422 and "请修改标红的项目" in r.text
    r = client.post(f"/knowledge/{e['id']}/edit", data={
        "csrf_token": csrf, "question": PARK["question"], "answer": PARK["answer"] + "（2026年修订）",
        "tags": "停车，收费", "review_date": "2026-12-31", "expected_version": "1", "note": "修订"},
        follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/knowledge/{e['id']}").text
    assert "v2" in page and "2026年修订" in page and "修订" in page
    assert client.get("/knowledge/due").status_code == 200
    assert client.get("/knowledge/new").status_code == 200


def test_intake_assistant_offers_answers_and_order_page_answers(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    e = _new(client, as_user("admin"), **FUND)
    n = create(client, as_user("operator1"), kind="consultation", title="公积金提取",
               content="老人住院想提取公积金付医药费，需要什么材料？")["number"]
    csrf = login(client, "operator1", db=db)
    r = client.post("/orders/new/suggest", data={"title": "公积金提取", "content": "住院了能提取公积金吗"},
                    headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
    assert r.status_code == 200 and "知识库答案" in r.text and FUND["answer"] in r.text
    page = client.get(f"/orders/{n}/knowledge")
    assert page.status_code == 200 and "用此条答复并即时办结" in page.text
    r = client.post(f"/orders/{n}/knowledge/answer", data={"csrf_token": csrf, "entry_id": str(e["id"]),
                                                           "content": FUND["answer"]}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get(f"/api/v1/orders/{n}", headers=as_user("operator1")).json()["status"] == "completed"
    r = client.post(f"/orders/{n}/knowledge/answer", data={"csrf_token": csrf, "entry_id": "abc"})
    assert r.status_code == 422


def test_ranked_chinese_search_over_orders_is_scoped(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.helpers import dispatched

    op = as_user("operator1")
    light = create(client, op, title="鼓楼巷路灯不亮", content="鼓楼巷口的路灯坏了半个月，晚上很黑。")["number"]
    create(client, op, title="鼓楼巷垃圾清运", content="鼓楼巷垃圾桶满了没人清运，气味很大。")
    mine = dispatched(client, as_user, "dept-chengguan", title="人民路占道经营",
                      content="人民路夜市摊贩占道经营，路灯下摆满了摊位。")
    items = client.get("/api/v1/search/orders", params={"q": "路灯坏了不亮"}, headers=op).json()["items"]
    assert items[0]["number"] == light and items[0]["score"] > 0
    assert mine in [i["number"] for i in items]
    unit = client.get("/api/v1/search/orders", params={"q": "路灯"}, headers=as_user("cg_handler")).json()["items"]
    assert [i["number"] for i in unit] == [mine]  # a unit finds only its own orders
    assert client.get("/api/v1/search/orders", params={"q": ""}, headers=op).status_code == 422
