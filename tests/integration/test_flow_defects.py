"""Issue #12 items 3–6 and #11: flow defects in the order's life, through the API and the console forms.

3. no action orphans pending work (归档 while a callback waits for the centre's review);
4. an operator's intake with channel 微信 and a lead unit is not rolled back by auto-dispatch;
5. co-handling: co-units at intake, added / removed after dispatch, the lead's reply waits for them;
6. one open 督办 per order, raised in level; notices go to the people who decide;
#11: one handler per action.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.callbacks.models import CallbackTask
from hotline.config import get_settings
from hotline.orders.models import Order, OrderEvent
from hotline.outbox.models import OutboxMessage
from hotline.outbox.service import deliver
from hotline.supervision.models import Supervision
from hotline.supervision.sweep import sweep
from tests.conftest import login
from tests.integration.helpers import act, create, dispatched, leaf_category, ok
from tests.integration.test_routing import trained  # noqa: F401  (fixture)


def _order(db: Session, number: str) -> Order:
    o = db.scalar(select(Order).where(Order.number == number).execution_options(populate_existing=True))
    assert o is not None
    return o


def _token(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no csrf token in page"
    return m.group(1)


def _form_act(client: TestClient, number: str, action: str, **fields: object):  # type: ignore[no-untyped-def]
    page = client.get(f"/orders/{number}").text
    version = re.search(r'name="expected_version" value="(\d+)"', page)
    csrf = _token(page)
    data = {"action": action, "csrf_token": csrf, "expected_version": version.group(1) if version else "",
            **fields}
    return client.post(f"/orders/{number}/act", data=data, headers={"HX-Request": "true", "X-CSRF-Token": csrf})


def _completed(client: TestClient, as_user, **over) -> str:  # type: ignore[no-untyped-def]
    n = dispatched(client, as_user, "dept-chengguan", **over)
    cg = as_user("cg_handler")
    ok(client, cg, n, "sign")
    ok(client, cg, n, "reply", content="已到现场处理完毕，占道摊贩已清理。")
    ok(client, as_user("dispatcher"), n, "complete")
    return n


def _task(db: Session, number: str) -> CallbackTask:
    order = _order(db, number)
    task = db.scalars(select(CallbackTask).where(CallbackTask.order_id == order.id)
                      .order_by(CallbackTask.id.desc())).first()
    assert task is not None
    db.refresh(task)
    return task


# ---------------------------------------------------------------- 3. no orphaned review


def test_archive_is_refused_while_a_dissatisfied_callback_awaits_review(client: TestClient, as_user,  # type: ignore[no-untyped-def]
                                                                        db: Session) -> None:
    n = _completed(client, as_user)
    task = _task(db, n)
    r = client.post(f"/api/v1/callbacks/{task.id}/calls", headers=as_user("callback1"),
                    json={"reached": True, "solved": False, "satisfaction": "dissatisfied", "comment": "摊贩还在"})
    assert r.status_code == 200, r.text
    assert _task(db, n).state == "review"

    for who in ("callback1", "dispatcher", "supervisor"):
        seen = client.get(f"/api/v1/orders/{n}", headers=as_user(who)).json()
        assert seen["status"] == "completed" and "close" not in seen["allowed_actions"], who
    r = act(client, as_user("callback1"), n, "close", note="回访：已归档")
    assert r.status_code == 409
    err = r.json()["error"]
    assert err["code"] == "guard_failed" and "待中心审核" in err["message"] and "review" in err["message_en"]
    assert _task(db, n).state == "review"  # the review task was not silently cancelled

    # the console: no 归档 form on the order page, and a forged form post is refused the same way
    login(client, "callback1", db=db)
    page = client.get(f"/orders/{n}").text
    assert 'name="action" value="close"' not in page
    r = _form_act(client, n, "close", note="回访：已归档")
    assert r.status_code == 409 and "待中心审核" in r.text
    assert _order(db, n).status == "completed"

    # the review decides: 重办 is made and recorded
    r = client.post(f"/api/v1/callbacks/{task.id}/review", headers=as_user("dispatcher"),
                    json={"decision": "reopen", "reason": "市民反映摊贩仍在，重办"})
    assert r.status_code == 200, r.text
    assert _order(db, n).status == "dispatched" and _task(db, n).state == "reopened"


def test_archive_waits_for_the_callback_itself(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    n = _completed(client, as_user)
    assert _task(db, n).state == "pending"
    r = act(client, as_user("dispatcher"), n, "close", note="直接归档")
    assert r.status_code == 409 and "回访尚未完成" in r.json()["error"]["message"]
    # the citizen declines callbacks: nothing is waiting any more, archiving is allowed
    r = client.post(f"/api/v1/callbacks/opt-out/{n}", headers=as_user("dispatcher"), json={"note": "市民不愿回访"})
    assert r.status_code == 200, r.text
    assert ok(client, as_user("dispatcher"), n, "close", note="不愿回访，归档")["status"] == "closed"


def test_ending_an_order_settles_its_open_supervision(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    n = dispatched(client, as_user, "dept-chengguan")
    ok(client, as_user("supervisor"), n, "supervise", note="请尽快处理并回复")
    ok(client, as_user("operator1"), n, "withdraw", reason="市民来电撤诉")
    sup = db.scalar(select(Supervision).where(Supervision.order_id == _order(db, n).id))
    assert sup is not None and sup.state == "closed"
    assert "撤诉" in (sup.history or [])[-1]["note"]


# ---------------------------------------------------------------- 4. operator intake is the operator's


@pytest.mark.parametrize("channel", ["wechat", "web", "app"])
def test_operator_intake_with_self_service_channel_and_lead_unit(client: TestClient, as_user, trained,  # type: ignore[no-untyped-def]  # noqa: F811
                                                                 db: Session, monkeypatch: pytest.MonkeyPatch,
                                                                 channel: str) -> None:
    monkeypatch.setattr(get_settings(), "auto_dispatch_threshold", 0.0)  # routing would dispatch anything
    cat = leaf_category(client, as_user("dispatcher"))
    body = create(client, as_user("operator1"), channel=channel, lead_unit="dept-zhujian", category_code=cat)
    assert body["status"] == "dispatched" and body["lead_unit"]["code"] == "dept-zhujian"
    dispatches = [e for e in body["events"] if e["action"] == "dispatch"]
    assert len(dispatches) == 1 and dispatches[0]["role"] == "operator"  # the operator's choice, not the system's
    from hotline.routing.models import RoutingDecision

    dec = db.scalar(select(RoutingDecision).where(RoutingDecision.order_id == _order(db, body["number"]).id))
    assert dec is not None and dec.auto_dispatched is False and dec.top_unit  # the suggestion is recorded

    # without a lead unit the order waits for a person; the system does not dispatch it either
    body = create(client, as_user("operator1"), channel=channel)
    assert body["status"] == "received"


def test_console_intake_wechat_with_lead_unit(client: TestClient, db: Session, trained,  # type: ignore[no-untyped-def]  # noqa: F811
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "auto_dispatch_threshold", 0.0)
    login(client, "operator1", db=db)
    form = client.get("/orders/new").text
    assert 'name="co_units"' in form
    cat = _leaf(db)
    r = client.post("/orders/new", data={
        "csrf_token": _token(form), "kind": "complaint", "title": "小区门口占道经营",
        "content": "新华街道桃源社区门口每天晚上有摊贩占道经营，噪音大。", "channel": "wechat",
        "category_code": cat, "citizen_phone": "13912345678", "lead_unit": "dept-chengguan",
        "co_units": ["dept-zhujian"]}, follow_redirects=False)
    assert r.status_code == 303, r.text
    number = r.headers["location"].split("/")[2].split("?")[0]
    order = _order(db, number)
    assert order.status == "dispatched" and order.lead_unit.code == "dept-chengguan"
    assert [u.code for u in order.co_units()] == ["dept-zhujian"]
    page = client.get(r.headers["location"]).text
    assert order.lead_unit.name in page
    assert order.co_units()[0].name in page


def _leaf(db: Session) -> str:
    from hotline.org.models import Category

    code = db.scalar(select(Category.code).where(Category.level == 3).order_by(Category.code))
    assert code is not None
    return code


# ---------------------------------------------------------------- 5. co-handling


def test_co_units_at_intake_through_the_api(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    cat = leaf_category(client, as_user("dispatcher"))
    body = create(client, as_user("operator1"), lead_unit="dept-chengguan", co_units=["dept-zhujian"],
                  category_code=cat)
    assert body["status"] == "dispatched" and [u["code"] for u in body["co_units"]] == ["dept-zhujian"]
    told = db.scalar(select(OutboxMessage).where(OutboxMessage.order_id == _order(db, body["number"]).id,
                                                 OutboxMessage.recipient == "unit:dept-zhujian"))
    assert told is not None and "协办意见" in told.payload["note"]
    r = client.post("/api/v1/orders", headers=as_user("operator1"),
                    json={"kind": "complaint", "title": "占道经营", "content": "门口每天晚上有摊贩占道经营。",
                          "co_units": ["dept-zhujian"]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "co_units_need_lead"


def test_add_co_unit_after_dispatch_and_reply_waits_for_its_opinion(client: TestClient, as_user,  # type: ignore[no-untyped-def]
                                                                    db: Session) -> None:
    n = dispatched(client, as_user, "dept-chengguan")
    disp, cg, zj = as_user("dispatcher"), as_user("cg_handler"), as_user("zj_handler")
    ok(client, cg, n, "sign")
    # 改派 to the same lead is still not the way to add a co-unit …
    assert act(client, disp, n, "redispatch", lead_unit="dept-chengguan", co_units=["dept-zhujian"]).status_code == 422
    # … 增加协办单位 is
    assert act(client, cg, n, "add_co_unit", co_units=["dept-zhujian"]).status_code == 403
    assert act(client, disp, n, "add_co_unit", co_units=["dept-chengguan"]).json()["error"]["code"] == "already_assigned"
    body = ok(client, disp, n, "add_co_unit", co_units=["dept-zhujian"], note="请住建局提供物业管理意见")
    assert [u["code"] for u in body["co_units"]] == ["dept-zhujian"] and body["status"] == "in_progress"
    assert body["events"][-1]["action"] == "add_co_unit"
    msg = db.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "unit:dept-zhujian",
                                                OutboxMessage.order_id == _order(db, n).id))
    assert msg is not None and msg.topic == "order.dispatched"

    r = act(client, cg, n, "reply", content="已责令摊贩离开，并安排队员每晚巡查。")
    assert r.status_code == 409
    err = r.json()["error"]
    assert err["code"] == "co_opinions_pending" and "住房和城乡建设局" in err["message"] and "dept-zhujian" in err["message_en"]
    assert _order(db, n).status == "in_progress"
    ok(client, zj, n, "co_reply", content="经核查，该小区物业已配合清理，同意主办单位意见。")
    body = ok(client, cg, n, "reply", content="已责令摊贩离开，并安排队员每晚巡查。")
    assert body["status"] == "replied"
    assert [r["kind"] for r in body["replies"]] == ["co_opinion", "reply"]  # the co-unit's work is kept


def test_reply_may_override_missing_co_opinions_with_a_recorded_reason(client: TestClient, as_user,  # type: ignore[no-untyped-def]
                                                                       db: Session) -> None:
    n = dispatched(client, as_user, "dept-chengguan", co=["dept-zhujian"])
    cg = as_user("cg_handler")
    ok(client, cg, n, "sign")
    r = act(client, cg, n, "reply", content="已责令摊贩离开，并安排队员每晚巡查。", co_override_reason="短")
    assert r.status_code == 422
    body = ok(client, cg, n, "reply", content="已责令摊贩离开，并安排队员每晚巡查。",
              co_override_reason="市民要求当日答复，协办单位两日未回复")
    assert body["status"] == "replied"
    ev = body["events"][-1]
    assert ev["data"]["co_override"] == "市民要求当日答复，协办单位两日未回复"
    assert ev["data"]["co_units_overridden"] == ["dept-zhujian"]
    co = next(a for a in body["assignments"] if a["role"] == "co")
    assert co["active"] is False and co["end_reason"] == "co_overridden"
    told = db.scalar(select(OutboxMessage).where(OutboxMessage.topic == "order.co_removed",
                                                 OutboxMessage.recipient == "unit:dept-zhujian"))
    assert told is not None and "市民要求当日答复" in told.payload["reason"]


def test_remove_co_unit_needs_a_reason_and_tells_the_unit(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    n = dispatched(client, as_user, "dept-chengguan", co=["dept-zhujian"])
    disp = as_user("dispatcher")
    assert act(client, disp, n, "remove_co_unit", co_units=["dept-zhujian"]).status_code == 422
    assert act(client, disp, n, "remove_co_unit", co_units=["dept-chengguan"], reason="误选协办单位，撤销").json()[
        "error"]["code"] == "not_co_unit"
    body = ok(client, disp, n, "remove_co_unit", co_units=["dept-zhujian"], reason="误选协办单位，撤销")
    assert body["co_units"] == [] and body["events"][-1]["action"] == "remove_co_unit"
    told = db.scalar(select(OutboxMessage).where(OutboxMessage.topic == "order.co_removed",
                                                 OutboxMessage.recipient == "unit:dept-zhujian"))
    assert told is not None and told.payload["reason"] == "误选协办单位，撤销"
    ok(client, as_user("cg_handler"), n, "sign")
    assert ok(client, as_user("cg_handler"), n, "reply", content="已责令摊贩离开，并安排队员每晚巡查。")["status"] == "replied"


def test_console_co_unit_forms(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    n = dispatched(client, as_user, "dept-chengguan")
    login(client, "dispatcher", db=db)
    page = client.get(f"/orders/{n}").text
    assert ">增加协办单位</h3>" in page
    r = _form_act(client, n, "add_co_unit", co_units="dept-zhujian")
    assert r.status_code == 200, r.text
    assert "操作成功：增加协办单位" in r.text and ">撤销协办单位</h3>" in r.text
    zj_name = _order(db, n).co_units()[0].name
    assert zj_name in r.text

    login(client, "cg_handler", db=db)
    ok(client, as_user("cg_handler"), n, "sign")
    page = client.get(f"/orders/{n}").text
    assert "答复须等待协办意见" in page and zj_name in page and 'name="co_override_reason"' in page
    r = _form_act(client, n, "reply", content="已责令摊贩离开，并安排队员每晚巡查。")
    assert r.status_code == 409 and "尚未提交协办意见" in r.text
    r = _form_act(client, n, "reply", content="已责令摊贩离开，并安排队员每晚巡查。",
                  co_override_reason="市民要求当日答复，协办单位未回复")
    assert r.status_code == 200 and "操作成功：答复" in r.text
    assert _order(db, n).status == "replied"


# ---------------------------------------------------------------- 6. one open 督办, raised; notices


def test_a_new_trigger_raises_the_open_supervision(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    n = dispatched(client, as_user, "dept-chengguan")
    order = _order(db, n)
    assert order.sign_due_at and order.due_at
    st = sweep(db, now=order.sign_due_at + timedelta(seconds=1))  # only the sign deadline has passed
    assert st.raised["sign_overdue"] == 1
    sups = list(db.scalars(select(Supervision).where(Supervision.order_id == order.id)))
    assert len(sups) == 1 and sups[0].level == "supervise"

    ok(client, as_user("supervisor"), n, "supervise", note="请立即签收办理")  # a person triggers again
    db.expire_all()
    sups = list(db.scalars(select(Supervision).where(Supervision.order_id == order.id)))
    assert len(sups) == 1 and sups[0].level == "listed" and len(sups[0].history or []) == 2
    assert [h["level"] for h in sups[0].history or []] == ["supervise", "listed"]
    raised = db.scalar(select(OutboxMessage).where(OutboxMessage.order_id == order.id,
                                                   OutboxMessage.topic == "order.supervised",
                                                   OutboxMessage.recipient == "unit:dept-chengguan")
                       .order_by(OutboxMessage.id.desc()).limit(1))
    assert raised is not None and "由督办升级为挂牌督办" in raised.payload["note"]

    st = sweep(db, now=order.due_at + timedelta(seconds=1))  # later crossings: still one notice
    db.expire_all()
    assert st.total_raised == 1
    assert db.scalar(select(Supervision.id).where(Supervision.order_id == order.id).offset(1)) is None
    sup = db.scalar(select(Supervision).where(Supervision.order_id == order.id))
    assert sup is not None and sup.level == "listed" and len(sup.history or []) == 3

    ok(client, as_user("cg_handler"), n, "respond_supervision", content="已签收并安排人员现场处理。")
    db.refresh(sup)
    assert sup.state == "answered"
    board = client.get("/api/v1/supervisions", headers=as_user("cg_handler")).json()
    assert len([s for s in board if s["order_number"] == n]) == 1


def test_notices_go_to_the_deciders_not_every_operator(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    def titles(username: str, number: str) -> list[str]:
        items = client.get("/api/v1/notifications", headers=as_user(username)).json()["items"]
        return [i["title"] for i in items if i["order_number"] == number]

    n = dispatched(client, as_user, "dept-chengguan")
    cg = as_user("cg_handler")
    ok(client, cg, n, "sign")
    ok(client, cg, n, "request_extension", reason="需协调多个部门现场会商", extra_days=2)
    ok(client, cg, n, "reply", content="已责令摊贩离开，并安排队员每晚巡查。")
    deliver(db, now=_now())
    # 延期申请 and 已答复 go to the dispatchers who decide them, not to the operator who took the call
    assert any("延期申请" in t for t in titles("dispatcher", n)) and any("工单已答复" in t for t in titles("dispatcher", n))
    assert not any("延期申请" in t or "工单已答复" in t for t in titles("operator1", n))
    assert not any("延期申请" in t or "工单已答复" in t for t in titles("supervisor", n))

    m = dispatched(client, as_user, "dept-chengguan")
    ok(client, cg, m, "request_return", reason="不属于本单位职责，建议改派")
    deliver(db, now=_now())
    assert any("退单申请" in t for t in titles("dispatcher", m))
    assert not any("退单申请" in t for t in titles("operator1", m))
    ok(client, as_user("dispatcher"), m, "approve_return", note="同意退回")
    deliver(db, now=_now())
    # the return comes back to the operator who took the order: that one concerns them
    assert any("退单已同意" in t for t in titles("operator1", m))
    assert not any("退单已同意" in t for t in titles("operator2", m))


def _now():  # type: ignore[no-untyped-def]
    from hotline.db import utcnow

    return utcnow()


# ---------------------------------------------------------------- #11: one handler per action


def test_one_handler_per_action() -> None:
    from hotline import registry
    from hotline.orders import flows
    from hotline.orders.enums import Action

    r = registry.get()
    for action in (Action.urge, Action.supervise, Action.respond_supervision):
        fn, pkg = r.handlers[action.value]
        assert (fn.__module__, pkg) == ("hotline.supervision.flows", "supervision")
    assert not any(hasattr(flows, name) for name in ("_h_urge", "_h_supervise", "_h_respond"))
    with pytest.raises(RuntimeError, match="already registered"):
        r.handler(Action.urge, lambda db, o, a, p, now: (None, None, {}))
    assert r.handlers[Action.urge.value][0].__module__ == "hotline.supervision.flows"


def test_every_action_has_a_handler() -> None:
    from hotline import registry
    from hotline.orders.lifecycle import RULES

    assert {a.value for a in RULES} <= set(registry.get().handlers)


def test_no_order_event_without_audit(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    """add / remove co-units are audited OrderEvents with the actor."""
    n = dispatched(client, as_user, "dept-chengguan")
    ok(client, as_user("dispatcher"), n, "add_co_unit", co_units=["dept-zhujian"])
    ev = db.scalars(select(OrderEvent).where(OrderEvent.order_id == _order(db, n).id)
                    .order_by(OrderEvent.id.desc())).first()
    assert ev is not None and ev.action == "add_co_unit" and ev.actor_role == "dispatcher"
    assert ev.data == {"co_units": ["dept-zhujian"]}


def test_a_sub_centre_adds_co_units_only_from_its_district(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    n = create(client, as_user("operator1"))["number"]
    cat = leaf_category(client, as_user("dispatcher"))
    ok(client, as_user("dispatcher"), n, "dispatch_to_subcentre", subcentre="d-dongcheng", category_code=cat)
    sub = as_user("subcentre_dongcheng")
    ok(client, sub, n, "subdispatch", lead_unit="s-dongcheng-xinhua", pushdown_reason="街道网格员可当天到现场处置，属地先行")
    r = act(client, sub, n, "add_co_unit", co_units=["dept-zhujian"])
    assert r.status_code == 422 and r.json()["error"]["code"] == "outside_subcentre"
    body = ok(client, sub, n, "add_co_unit", co_units=["c-xinhua-taoyuan"])
    assert [u["code"] for u in body["co_units"]] == ["c-xinhua-taoyuan"]
