"""Callbacks (回访) and self-rating through the API and the public /rate page: tasks made on
completion, skip rules, retries, closing and the centre's review, signed links."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.callbacks.models import CallbackTask, Evaluation
from hotline.outbox.models import OutboxMessage
from tests.integration.helpers import create, dispatched, ok


def completed(client: TestClient, as_user, lead: str = "dept-chengguan", **over) -> str:  # type: ignore[no-untyped-def]
    n = dispatched(client, as_user, lead, **over)
    h = as_user({"dept-chengguan": "cg_handler", "dept-zhujian": "zj_handler"}[lead])
    ok(client, h, n, "sign")
    ok(client, h, n, "reply", content="已到现场处理完毕，占道摊贩已清理。")
    ok(client, as_user("dispatcher"), n, "complete")
    return n


def task_of(db: Session, number: str) -> CallbackTask:
    from hotline.orders.models import Order

    order = db.scalar(select(Order).where(Order.number == number))
    return db.scalars(select(CallbackTask).where(CallbackTask.order_id == order.id)
                      .order_by(CallbackTask.id.desc())).first()


def call(client: TestClient, as_user, task_id: int, **body):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/callbacks/{task_id}/calls", json=body, headers=as_user("callback1"))


def test_completion_makes_task_and_sms_link_and_satisfied_call_closes(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    n = completed(client, as_user)
    task = task_of(db, n)
    assert task.state == "pending" and task.unit.code == "dept-chengguan"
    sms = db.scalar(select(OutboxMessage).where(OutboxMessage.topic == "callback.rating_link",
                                                OutboxMessage.order_id == task.order_id))
    assert sms.channel == "sms" and sms.recipient == "13912345678" and "/rate/" in sms.payload["url"]
    queue = client.get("/api/v1/callbacks", headers=as_user("callback1")).json()
    assert task.id in [t["id"] for t in queue["upcoming"] + queue["due"]]
    r = call(client, as_user, task.id, reached=True, solved=True)
    assert r.status_code == 422 and r.json()["error"]["code"] == "satisfaction_required"
    r = call(client, as_user, task.id, reached=True, solved=True, satisfaction="satisfied", comment="很及时")
    assert r.status_code == 200 and r.json()["state"] == "done"
    order = client.get(f"/api/v1/orders/{n}", headers=as_user("dispatcher")).json()
    assert order["status"] == "closed"
    assert order["events"][-1]["action"] == "close" and "满意" in order["events"][-1]["note"]
    ev = db.scalar(select(Evaluation).where(Evaluation.task_id == task.id))
    assert (ev.channel, ev.solved, ev.satisfaction, ev.unit.code) == ("phone", True, "satisfied", "dept-chengguan")
    assert call(client, as_user, task.id, reached=True, solved=True, satisfaction="satisfied").status_code == 409


def test_dissatisfied_goes_to_review_then_reopen_or_close(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    n1, n2 = completed(client, as_user), completed(client, as_user)
    t1, t2 = task_of(db, n1), task_of(db, n2)
    call(client, as_user, t1.id, reached=True, solved=False, satisfaction="dissatisfied")
    call(client, as_user, t2.id, reached=True, solved=True, satisfaction="dissatisfied")
    queue = client.get("/api/v1/callbacks", headers=as_user("dispatcher")).json()
    assert {t1.id, t2.id} <= {t["id"] for t in queue["review"]}
    assert client.get(f"/api/v1/orders/{n1}", headers=as_user("dispatcher")).json()["status"] == "completed"
    # the agent may not decide; a reason is needed
    r = client.post(f"/api/v1/callbacks/{t1.id}/review", json={"decision": "reopen", "reason": "未解决，重办"},
                    headers=as_user("callback1"))
    assert r.status_code == 403
    r = client.post(f"/api/v1/callbacks/{t1.id}/review", json={"decision": "reopen", "reason": "短"},
                    headers=as_user("dispatcher"))
    assert r.status_code == 422
    r = client.post(f"/api/v1/callbacks/{t1.id}/review", json={"decision": "reopen", "reason": "市民反映摊贩仍在，重办"},
                    headers=as_user("dispatcher"))
    assert r.status_code == 200 and r.json()["state"] == "reopened"
    o1 = client.get(f"/api/v1/orders/{n1}", headers=as_user("dispatcher")).json()
    assert o1["status"] == "dispatched" and o1["reopen_count"] == 1 and o1["lead_unit"]["code"] == "dept-chengguan"
    r = client.post(f"/api/v1/callbacks/{t2.id}/review", json={"decision": "close", "reason": "诉求已解决，不满意系对政策"},
                    headers=as_user("supervisor"))
    assert r.status_code == 200 and r.json()["state"] == "closed"
    o2 = client.get(f"/api/v1/orders/{n2}", headers=as_user("dispatcher")).json()
    assert o2["status"] == "closed" and "回访审核归档" in o2["events"][-1]["note"]
    # re-completing the reopened order makes a second task (a new round)
    cg = as_user("cg_handler")
    ok(client, cg, n1, "sign")
    ok(client, cg, n1, "reply", content="再次到场，摊贩已全部清理并设置围挡。")
    ok(client, as_user("dispatcher"), n1, "complete")
    again = task_of(db, n1)
    assert again.id != t1.id and again.round == 1 and again.state == "pending"


def test_unreached_retries_then_unreachable(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    n = completed(client, as_user)
    task = task_of(db, n)
    first_due = task.due_at
    r = call(client, as_user, task.id, reached=False)
    assert r.json()["state"] == "pending" and r.json()["attempts"] == 1
    db.refresh(task)
    assert task.due_at > first_due  # retried later
    call(client, as_user, task.id, reached=False)
    r = call(client, as_user, task.id, reached=False)
    assert r.json()["state"] == "unreachable"
    assert client.get(f"/api/v1/orders/{n}", headers=as_user("dispatcher")).json()["status"] == "closed"
    assert db.scalar(select(Evaluation).where(Evaluation.task_id == task.id)) is None  # nothing to count


def test_skip_rules_are_recorded(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    anon = completed(client, as_user, anonymous=True)
    assert (task_of(db, anon).state, task_of(db, anon).skip_reason) == ("skipped", "anonymous")
    nophone = completed(client, as_user, citizen_phone=None)
    assert task_of(db, nophone).skip_reason == "no_phone"
    declined = dispatched(client, as_user, "dept-chengguan")
    r = client.post(f"/api/v1/callbacks/opt-out/{declined}", json={"note": "来电时表示不需要回访"},
                    headers=as_user("operator1"))
    assert r.status_code == 200
    cg = as_user("cg_handler")
    ok(client, cg, declined, "sign")
    ok(client, cg, declined, "reply", content="已到现场处理完毕，占道摊贩已清理。")
    ok(client, as_user("dispatcher"), declined, "complete")
    assert task_of(db, declined).skip_reason == "declined"
    assert client.post(f"/api/v1/callbacks/opt-out/{declined}", json={},
                       headers=as_user("cg_handler")).status_code in (403, 404)


def test_first_contact_answer_gets_a_callback(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    order = create(client, as_user("operator1"), kind="consultation", title="公积金提取咨询",
                   content="想咨询租房提取公积金需要哪些材料，怎么办理。")
    ok(client, as_user("operator1"), order["number"], "answer_first_contact",
       content="租房提取公积金需身份证、租赁合同，可在线办理。")
    task = task_of(db, order["number"])
    assert task.state == "pending" and task.unit_id is None


def test_units_have_no_callback_queue(client, as_user) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/callbacks", headers=as_user("cg_handler")).status_code == 403


def test_self_rating_link(client, as_user, db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    n = completed(client, as_user)
    task = task_of(db, n)
    url = db.scalar(select(OutboxMessage.payload).where(OutboxMessage.topic == "callback.rating_link",
                                                        OutboxMessage.order_id == task.order_id))["url"]
    page = client.get(url)
    assert page.status_code == 200 and n in page.text and "您的问题是否已解决" in page.text
    assert "13912345678" not in page.text
    bad = client.post(url, data={"solved": "true"})
    assert bad.status_code == 422 and "满意度" in bad.text
    done = client.post(url, data={"solved": "true", "satisfaction": "basic", "comment": "还行"})
    assert done.status_code == 200 and "感谢您的评价" in done.text
    order = client.get(f"/api/v1/orders/{n}", headers=as_user("dispatcher")).json()
    assert order["status"] == "closed"  # 基本满意 counts as satisfied by default
    ev = db.scalar(select(Evaluation).where(Evaluation.task_id == task.id))
    assert (ev.channel, ev.satisfaction, ev.agent_id) == ("self", "basic", None)
    again = client.post(url, data={"solved": "false", "satisfaction": "dissatisfied"})
    assert again.status_code == 409 and "已评价" in again.text
    assert client.get(url[:-3] + "xyz").status_code == 404  # tampered
    # an expired link: sign it 8 days in the past
    from itsdangerous import TimestampSigner

    from hotline.callbacks.links import rating_path

    n2 = completed(client, as_user)
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) - 8 * 86400)
    old = rating_path(task_of(db, n2).id)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    r = client.get(old)
    assert r.status_code == 410 and "已过期" in r.text


def test_console_queue_records_a_call(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import login

    n = completed(client, as_user)
    task = task_of(db, n)
    csrf = login(client, "callback1", db=db)
    page = client.get("/callbacks")
    assert page.status_code == 200 and n in page.text
    r = client.post(f"/callbacks/{task.id}/call", data={"csrf_token": csrf, "reached": "true", "solved": "false",
                                                        "satisfaction": "dissatisfied", "comment": "没人来"},
                    follow_redirects=False)
    assert r.status_code == 303
    db.refresh(task)
    assert task.state == "review"
