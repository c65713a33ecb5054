"""An order's whole life through the REST API, as each role would drive it."""

from __future__ import annotations

from fastapi.testclient import TestClient

NEW = {
    "kind": "complaint", "title": "人民路路灯不亮", "content": "人民路与解放路交叉口的路灯已经连续一周不亮，晚上行人很不安全。",
    "citizen_name": "张伟", "citizen_phone": "13812345678", "address": "青阳市东城区人民路88号",
}


def _act(client: TestClient, headers: dict, number: str, action: str, **kw: object):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/orders/{number}/actions", json={"action": action, **kw}, headers=headers)


def test_intake_dispatch_sign_reply_complete_close(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    op, disp, unit, cb = as_user("operator1"), as_user("dispatcher"), as_user("cg_handler"), as_user("callback1")
    r = client.post("/api/v1/orders", json=NEW, headers=op)
    assert r.status_code == 201, r.text
    order = r.json()
    number = order["number"]
    assert order["status"] == "received" and order["citizen_phone"] == "13812345678"
    assert number.startswith("QY") and len(number) == 15

    cats = client.get("/api/v1/categories", headers=op).json()
    leaf = next(c for c in cats if c["level"] == 3 and "路灯" in c["name"])
    me_unit = client.get("/api/v1/me", headers=unit).json()["unit"]["code"]
    r = _act(client, disp, number, "dispatch", lead_unit=me_unit, category_code=leaf["code"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "dispatched" and body["lead_unit"]["code"] == me_unit
    assert body["due_at"] is not None and body["dispatched_at"] is not None

    seen = client.get(f"/api/v1/orders/{number}", headers=unit).json()
    assert seen["citizen_phone"] == "138****5678"
    assert "sign" in seen["allowed_actions"]

    assert _act(client, unit, number, "sign").json()["status"] == "in_progress"
    r = _act(client, unit, number, "reply", content="已安排维修人员更换路灯灯泡，现已恢复照明，感谢监督。")
    assert r.json()["status"] == "replied"
    assert _act(client, disp, number, "complete", note="同意办结").json()["status"] == "completed"
    # archiving straight from the order page would orphan the callback that was just made due
    r = _act(client, cb, number, "close", note="回访满意")
    assert r.status_code == 409 and r.json()["error"]["code"] == "guard_failed"
    assert "回访尚未完成" in r.json()["error"]["message"]
    queue = client.get("/api/v1/callbacks", headers=cb).json()
    task = next(t for t in queue["upcoming"] + queue["due"] if t["order_number"] == number)
    r = client.post(f"/api/v1/callbacks/{task['id']}/calls", headers=cb,
                    json={"reached": True, "solved": True, "satisfaction": "satisfied", "comment": "回访满意"})
    assert r.status_code == 200, r.text
    final = client.get(f"/api/v1/orders/{number}", headers=disp).json()
    assert final["status"] == "closed"
    actions = [e["action"] for e in final["events"]]
    assert actions == ["create", "dispatch", "sign", "reply", "complete", "close"]
    assert all(e["actor"] for e in final["events"])
