"""Appeals (申诉) and unreasonable-demand designation (不合理诉求认定): who may file, the centre's
review with the caller's history, and what an acceptance removes (evaluation, callback)."""

from __future__ import annotations

from sqlalchemy import select

from hotline.callbacks.models import Evaluation
from tests.integration.helpers import create, dispatched, ok
from tests.integration.test_callbacks import call, completed, task_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def file(client, headers, number, kind, reason="诉求人要求超出政策范围，已多次解释说明。", **extra):  # type: ignore[no-untyped-def]
    files = extra.pop("files", None)
    return client.post("/api/v1/appeals", data={"number": number, "kind": kind, "reason": reason, **extra},
                       files=files, headers=headers)


def test_appeal_accepted_excludes_the_evaluation(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    n = completed(client, as_user)
    call(client, as_user, task_of(db, n).id, reached=True, solved=False, satisfaction="dissatisfied")
    ev = db.scalar(select(Evaluation).where(Evaluation.task_id == task_of(db, n).id))
    cg, sup = as_user("cg_handler"), as_user("supervisor")
    assert file(client, as_user("zj_handler"), n, "appeal", evaluation_id=ev.id).status_code == 404  # not visible
    assert file(client, cg, n, "appeal", reason="太短", evaluation_id=ev.id).status_code == 422
    r = file(client, cg, n, "appeal", evaluation_id=ev.id, files=[("files", ("现场照片.png", PNG, "image/png"))])
    assert r.status_code == 201, r.text
    req = r.json()
    assert req["state"] == "pending" and len(req["attachment_ids"]) == 1 and "****" in req["citizen_phone"]
    assert file(client, cg, n, "appeal", evaluation_id=ev.id).status_code == 409  # one at a time
    rid = req["id"]
    assert client.post(f"/api/v1/appeals/{rid}/decision", json={"accept": True, "note": "同意"},
                       headers=cg).status_code == 403
    # the centre reviews with the caller's history; a unit may not see it
    hist = client.get(f"/api/v1/appeals/history/{n}", headers=sup).json()
    assert n in [h["number"] for h in hist] and len(hist) >= 1
    assert client.get(f"/api/v1/appeals/history/{n}", headers=cg).status_code == 403
    assert client.post(f"/api/v1/appeals/{rid}/decision", json={"accept": True, "note": ""},
                       headers=sup).status_code == 422
    r = client.post(f"/api/v1/appeals/{rid}/decision", json={"accept": True, "note": "经核实，单位已按政策办理"},
                    headers=sup)
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    db.refresh(ev)
    assert ev.excluded_reason == "appeal"
    panel = client.get(f"/api/v1/appeals/order/{n}", headers=cg).json()
    assert panel["evaluations"][0]["excluded_reason"] == "appeal"
    notes = [e["note"] or "" for e in client.get(f"/api/v1/orders/{n}", headers=sup).json()["events"]]
    assert any("提出申诉" in x for x in notes) and any("申诉审核：采纳" in x for x in notes)
    assert client.post(f"/api/v1/appeals/{rid}/decision", json={"accept": False, "note": "再审"},
                       headers=sup).status_code == 409


def test_rejected_appeal_keeps_the_evaluation(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    n = completed(client, as_user)
    call(client, as_user, task_of(db, n).id, reached=True, solved=True, satisfaction="dissatisfied")
    ev = db.scalar(select(Evaluation).where(Evaluation.task_id == task_of(db, n).id))
    rid = file(client, as_user("cg_leader"), n, "appeal", evaluation_id=ev.id).json()["id"]
    r = client.post(f"/api/v1/appeals/{rid}/decision", json={"accept": False, "note": "评价属实，不予采纳"},
                    headers=as_user("dispatcher"))
    assert r.json()["state"] == "rejected"
    db.refresh(ev)
    assert ev.excluded_reason is None
    units_view = client.get("/api/v1/appeals", headers=as_user("zj_handler")).json()
    assert rid not in [x["id"] for x in units_view]  # another unit does not see it


def test_designation_skips_callback_and_shows_on_pages(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import login

    n = dispatched(client, as_user, "dept-chengguan")
    create(client, as_user("operator1"))  # the same caller again: history shows both
    cg = as_user("cg_handler")
    ok(client, cg, n, "sign")
    rid = file(client, cg, n, "designation", reason="诉求人反复要求拆除合法建筑，已出具法律依据说明。").json()["id"]
    r = client.post(f"/api/v1/appeals/{rid}/decision", json={"accept": True, "note": "认定为不合理诉求"},
                    headers=as_user("supervisor"))
    assert r.status_code == 200
    ok(client, cg, n, "reply", content="已向诉求人解释法律依据，依法不予支持。")
    ok(client, as_user("dispatcher"), n, "complete")
    task = task_of(db, n)
    assert (task.state, task.skip_reason) == ("skipped", "designated")
    assert file(client, cg, n, "designation").status_code == 409
    csrf = login(client, "supervisor", db=db)
    assert csrf
    page = client.get(f"/appeals/{rid}")
    assert page.status_code == 200 and "诉求人历史工单（2）" in page.text and "已认定为不合理诉求" in page.text
    assert client.get(f"/orders/{n}/appeals-panel").status_code == 200
    assert n in client.get("/appeals").text
