"""Bad input gets a clear 4xx in Chinese and English — never a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.integration.helpers import DEMAND, act, create, dispatched

BAD_BODIES = [
    ({}, "kind"),
    ({**DEMAND, "kind": "gossip"}, "kind"),
    ({**DEMAND, "title": ""}, "title"),
    ({**DEMAND, "title": "长" * 61}, "title"),
    ({**DEMAND, "content": "x" * 20_001}, "content"),
    ({**DEMAND, "citizen_phone": "12345"}, "citizen_phone"),
    ({**DEMAND, "citizen_phone": "1381234567a"}, "citizen_phone"),
    ({**DEMAND, "latitude": 123}, "latitude"),
    ({**DEMAND, "urgency": "now"}, "urgency"),
    ({**DEMAND, "surprise": 1}, "surprise"),
    ({**DEMAND, "anonymous": "maybe"}, "anonymous"),
]


@pytest.mark.parametrize(("body", "field"), BAD_BODIES, ids=[f for _, f in BAD_BODIES])
def test_bad_order_bodies(client: TestClient, as_user, body: dict, field: str) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/orders", json=body, headers=as_user("operator1"))
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "invalid_input"
    assert err["message"] and err["message_en"]
    assert any(p["field"].startswith(field) for p in err["details"]["fields"])
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err["message"])  # Chinese text


def test_unknown_category_and_territory(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/orders", json={**DEMAND, "category_code": "999999"}, headers=as_user("operator1"))
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_category"
    r = client.post("/api/v1/orders", json={**DEMAND, "territory_code": "nowhere"}, headers=as_user("operator1"))
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_unit"


def test_not_json_and_wrong_types(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    h = {**as_user("operator1"), "content-type": "application/json"}
    r = client.post("/api/v1/orders", content=b"{not json", headers=h)
    assert r.status_code == 422 and r.json()["error"]["message"]
    r = client.post("/api/v1/orders", json=[1, 2], headers=as_user("operator1"))
    assert r.status_code == 422


def test_bad_actions(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    op, disp = as_user("operator1"), as_user("dispatcher")
    n = create(client, op)["number"]
    cases = [
        (disp, {"action": "fly"}, 422),
        (disp, {"action": "dispatch"}, 422),  # no lead unit, no category
        (disp, {"action": "dispatch", "lead_unit": "nobody", "category_code": "010101"}, 422),
        (disp, {"action": "dispatch", "lead_unit": "centre", "category_code": "010101"}, 422),
        (disp, {"action": "sign"}, 409),
        (op, {"action": "approve_return"}, 409),
        (as_user("leader"), {"action": "dispatch", "lead_unit": "dept-chengguan"}, 403),
        (disp, {"action": "request_extension", "extra_days": "three"}, 422),
        (disp, {"action": "dispatch", "co_units": ["x"] * 11}, 422),
    ]
    for headers, body, code in cases:
        r = client.post(f"/api/v1/orders/{n}/actions", json=body, headers=headers)
        assert r.status_code == code, (body, r.text)
        assert r.json()["error"]["message"] and r.json()["error"]["message_en"]
    r = act(client, disp, "QY19990101-404", "sign")
    assert r.status_code == 404 and r.json()["error"]["message"] == "找不到工单：QY19990101-404"


def test_oversized_and_wrong_type_attachment(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    n = dispatched(client, as_user, "dept-chengguan")
    h = as_user("cg_handler")
    r = client.post(f"/api/v1/orders/{n}/attachments", files={"file": ("a.exe", b"MZ\x90\x00" * 10, "image/png")},
                    headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_file_type"
    from hotline.config import get_settings

    big = b"\x89PNG\r\n\x1a\n" + b"0" * get_settings().max_upload_bytes
    r = client.post(f"/api/v1/orders/{n}/attachments", files={"file": ("big.png", big, "image/png")}, headers=h)
    assert r.status_code == 413 and "MB" in r.json()["error"]["message"]
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    r = client.post(f"/api/v1/orders/{n}/attachments", files={"file": ("../../etc/x.png", png, "image/png")},
                    headers=h)
    assert r.status_code == 201 and r.json()["filename"] == "x.png"
    att = r.json()["id"]
    got = client.get(f"/api/v1/orders/{n}/attachments/{att}", headers=h)
    assert got.status_code == 200 and got.content == png
    other = as_user("zj_handler")
    assert client.get(f"/api/v1/orders/{n}/attachments/{att}", headers=other).status_code == 404


def test_query_parameter_errors(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    h = as_user("dispatcher")
    for q in ("page=0", "size=1000", "created_from=yesterday", "overdue=perhaps"):
        r = client.get(f"/api/v1/orders?{q}", headers=h)
        assert r.status_code == 422, q
        assert r.json()["error"]["message"]


def test_unknown_path_and_method(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/nothing", headers=as_user("dispatcher"))
    assert r.status_code == 404 and r.json()["error"]["message"]
    r = client.delete("/api/v1/orders", headers=as_user("dispatcher"))
    assert r.status_code == 405 and r.json()["error"]["message"]


def test_openapi_docs_served(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/orders/{number}/actions" in spec["paths"]
    assert client.get("/docs").status_code == 200
