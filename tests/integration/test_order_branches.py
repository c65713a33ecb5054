"""The branches off the main path, through the API: return, redispatch, extension, suspension,
reopen, merge, hand-off, inform, withdraw — each leaves the right status, counters and timeline."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient

from tests.integration.helpers import act, create, dispatched, ok


def test_return_approved_then_redispatched(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    n = dispatched(client, as_user, "dept-zhujian")
    zj, disp = as_user("zj_handler"), as_user("dispatcher")
    r = act(client, zj, n, "request_return", reason="短")
    assert r.status_code == 422 and "退单理由" in r.json()["error"]["message"]
    body = ok(client, zj, n, "request_return", reason="该事项为占道经营，属城管部门职责，申请退回")
    assert body["status"] == "return_requested"
    assert body["requests"][0]["state"] == "pending"
    body = ok(client, disp, n, "approve_return", note="同意")
    assert body["status"] == "received" and body["lead_unit"] is None and body["return_count"] == 1
    assert body["due_at"] is None
    body = ok(client, disp, n, "dispatch", lead_unit="dept-chengguan")
    assert body["lead_unit"]["code"] == "dept-chengguan"
    ends = [a["end_reason"] for a in body["assignments"]]
    assert ends == ["returned", None]
    assert client.get(f"/api/v1/orders/{n}", headers=zj).status_code == 200  # history stays visible


def test_redispatch_resolves_pending_return(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    n = dispatched(client, as_user, "dept-zhujian")
    ok(client, as_user("zj_handler"), n, "request_return", reason="不属于本单位职责，请改派城管")
    body = ok(client, as_user("dispatcher"), n, "redispatch", lead_unit="dept-chengguan")
    assert body["status"] == "dispatched" and body["redispatch_count"] == 1 and body["return_count"] == 1
    assert body["requests"][0]["state"] == "approved"
    r = act(client, as_user("dispatcher"), n, "redispatch", lead_unit="dept-chengguan")
    assert r.status_code == 422 and r.json()["error"]["code"] == "same_unit"


def test_rejected_return_keeps_unit(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    n = dispatched(client, as_user, "dept-chengguan")
    cg = as_user("cg_handler")
    ok(client, cg, n, "sign")
    ok(client, cg, n, "request_return", reason="申请退单，理由是工作量大")
    r = act(client, as_user("dispatcher"), n, "reject_return")
    assert r.status_code == 422  # a rejection needs a reason
    body = ok(client, as_user("dispatcher"), n, "reject_return", note="属本单位职责，请继续办理")
    assert body["status"] == "in_progress" and body["return_count"] == 0


def test_extension_moves_deadline_and_is_limited(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    n = dispatched(client, as_user, "dept-chengguan")
    cg, sup = as_user("cg_handler"), as_user("supervisor")
    ok(client, cg, n, "sign")
    r = act(client, cg, n, "request_extension", reason="需要协调多部门", extra_days=99)
    assert r.status_code == 422
    before = ok(client, cg, n, "request_extension", reason="需要协调多个部门现场会商", extra_days=3)
    assert before["pending_extension"] is True
    r = act(client, cg, n, "request_extension", reason="再次申请延期处理", extra_days=2)
    assert r.status_code == 409 and r.json()["error"]["code"] == "guard_failed"
    after = ok(client, sup, n, "approve_extension", note="同意")
    assert after["extension_count"] == 1 and after["pending_extension"] is False
    assert datetime.fromisoformat(after["due_at"]) > datetime.fromisoformat(before["due_at"])
    ok(client, cg, n, "request_extension", reason="现场施工受天气影响", extra_days=2)
    ok(client, sup, n, "reject_extension", note="不同意，请按期办结")
    ok(client, cg, n, "request_extension", reason="现场施工受天气影响", extra_days=2)
    ok(client, sup, n, "approve_extension")
    r = act(client, cg, n, "request_extension", reason="第三次申请延期", extra_days=1)
    assert r.status_code == 409 and r.json()["error"]["code"] == "too_many_extensions"


def test_suspend_pauses_then_resume_moves_deadline(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    n = dispatched(client, as_user, "dept-zhujian")
    ok(client, as_user("zj_handler"), n, "sign")
    body = ok(client, as_user("supervisor"), n, "suspend", reason="历史遗留产权问题，待政策明确")
    assert body["status"] == "suspended"
    r = act(client, as_user("zj_handler"), n, "reply", content="已经处理完毕，请审核。谢谢。")
    assert r.status_code == 409 and "挂账" in r.json()["error"]["message"]
    body = ok(client, as_user("supervisor"), n, "resume")
    assert body["status"] == "in_progress"
    ev = body["events"][-1]
    assert ev["action"] == "resume" and "due_at" in ev["data"]


def test_reopen_after_close_goes_back_to_unit(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    n = dispatched(client, as_user, "dept-chengguan", citizen_phone=None)  # no phone: no callback to wait for
    cg = as_user("cg_handler")
    ok(client, cg, n, "sign")
    ok(client, cg, n, "reply", content="已责令摊贩离开，并安排队员每晚巡查。")
    ok(client, as_user("dispatcher"), n, "complete")
    ok(client, as_user("callback1"), n, "close", note="回访：市民表示问题依旧")
    body = ok(client, as_user("supervisor"), n, "reopen", reason="回访不满意，摊贩仍在经营")
    assert body["status"] == "dispatched" and body["reopen_count"] == 1 and body["signed_at"] is None
    assert body["lead_unit"]["code"] == "dept-chengguan" and body["due_at"]
    assert ok(client, cg, n, "sign")["status"] == "in_progress"


def test_merge_into_parent_and_terminal_branches(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    op, disp = as_user("operator1"), as_user("dispatcher")
    parent = dispatched(client, as_user, "dept-chengguan")
    child = create(client, op)["number"]
    r = act(client, disp, child, "cancel_duplicate", parent_number="QY000")
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_parent"
    body = ok(client, disp, child, "cancel_duplicate", parent_number=parent)
    assert body["status"] == "merged" and body["parent_number"] == parent

    n = create(client, op, title="楼道起火", content="我家楼下楼道着火了，有浓烟，请马上处理！")["number"]
    assert act(client, op, n, "hand_off", service="999").status_code == 422
    assert ok(client, op, n, "hand_off", service="119", reason="楼道起火有浓烟")["status"] == "handed_off"

    n = create(client, op, kind="consultation")["number"]
    assert ok(client, op, n, "inform", channel="合同纠纷请向人民法院提起诉讼")["status"] == "informed"

    n = dispatched(client, as_user, "dept-chengguan")
    assert ok(client, op, n, "withdraw", reason="市民来电撤诉")["status"] == "withdrawn"
    r = act(client, as_user("cg_handler"), n, "sign")
    assert r.status_code in (403, 409)


def test_first_contact_answer(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    op = as_user("operator1")
    n = create(client, op, kind="consultation", title="公积金提取咨询", content="请问租房提取公积金需要什么材料？")["number"]
    body = ok(client, op, n, "answer_first_contact",
              content="租房提取需身份证、租赁合同及备案证明，可在政务服务网办理。")
    assert body["status"] == "completed" and body["first_contact_resolved"] is True
    assert body["replies"][0]["kind"] == "first_contact"


def test_every_state_change_is_audited_with_actor(client: TestClient, as_user, db) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from hotline.orders.models import Order, OrderEvent

    n = dispatched(client, as_user, "dept-chengguan")
    ok(client, as_user("cg_handler"), n, "sign")
    order = db.scalar(select(Order).where(Order.number == n))
    events = list(db.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id)))
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("create", None, "received"), ("dispatch", "received", "dispatched"), ("sign", "dispatched", "in_progress")]
    assert [e.actor.username for e in events] == ["operator1", "dispatcher", "cg_handler"]
    assert events[-1].to_status == order.status


def test_reply_voids_a_pending_extension(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    n = dispatched(client, as_user, "dept-chengguan")
    cg = as_user("cg_handler")
    ok(client, cg, n, "sign")
    ok(client, cg, n, "request_extension", reason="需要协调多个部门现场会商", extra_days=3)
    body = ok(client, cg, n, "reply", content="已处理完毕，摊贩已清理，并安排每日巡查。")
    assert body["pending_extension"] is False
    assert body["requests"][-1]["state"] == "void"
    queue = client.get("/api/v1/queues/dispatcher", headers=as_user("dispatcher")).json()
    assert n not in {o["number"] for o in queue["extensions"]}
