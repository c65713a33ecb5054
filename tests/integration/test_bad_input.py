"""Bad input is a readable 4xx, never a 500 — one test per cause the fuzz run found (issue #10).

The causes: integers beyond a 64-bit column, datetimes at the calendar's edges, NUL and other
control characters (PostgreSQL refuses NUL in text; XML and xlsx cannot hold the others), and
a signed rating link whose id overflows.  Run on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tests.conftest import login
from tests.integration.helpers import DEMAND, create

HUGE = "9" * 30  # beyond 2**63
BIG_IDS = [f"/api/v1/supervisions/{HUGE}", f"/api/v1/knowledge/{HUGE}", f"/api/v1/knowledge/{HUGE}/versions"]
BIG_POSTS = [(f"/api/v1/appeals/{HUGE}/decision", {"accept": True, "note": "同意"}),
             (f"/api/v1/callbacks/{HUGE}/review", {"decision": "reopen", "reason": "市民仍不满意"}),
             (f"/api/v1/supervisions/{HUGE}/respond", {"content": "已安排人员处理"})]


def _refusal(r, status: int = 422) -> dict:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["message"] and err["message_en"]
    return err


@pytest.mark.parametrize("query", ["page=1e20", f"page={HUGE}", "page=0", "size=1e20"])
def test_huge_page_numbers(client: TestClient, as_user, query: str) -> None:  # type: ignore[no-untyped-def]
    for path in ("/api/v1/orders", "/api/v1/knowledge"):
        err = _refusal(client.get(f"{path}?{query}", headers=as_user("admin")))
        assert err["code"] == "invalid_input" and err["details"]["fields"][0]["field"] in ("page", "size")


def test_largest_page_is_an_empty_page(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/orders?page=100000", headers=as_user("admin"))
    assert r.status_code == 200 and r.json()["items"] == []


@pytest.mark.parametrize("path", BIG_IDS)
def test_huge_ids_in_the_path(client: TestClient, as_user, path: str) -> None:  # type: ignore[no-untyped-def]
    err = _refusal(client.get(path, headers=as_user("admin")))
    assert "9223372036854775807" in err["message_en"]


@pytest.mark.parametrize(("path", "body"), BIG_POSTS, ids=[p.split("/")[3] for p, _ in BIG_POSTS])
def test_huge_ids_in_actions(client: TestClient, as_user, path: str, body: dict) -> None:  # type: ignore[no-untyped-def]
    _refusal(client.post(path, json=body, headers=as_user("admin")))


def test_huge_limit_and_expected_version(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("admin")
    _refusal(client.get(f"/api/v1/webhooks/deliveries?limit={HUGE}", headers=admin))
    order = create(client, as_user("operator1"))
    r = client.post(f"/api/v1/orders/{order['number']}/actions", headers=as_user("dispatcher"),
                    json={"action": "comment", "content": "请尽快处理", "expected_version": int(HUGE)})
    _refusal(r)


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59Z", "9999-12-31",
                                   "0001-01-01", "1e20"])
def test_dates_at_the_calendars_edges(client: TestClient, as_user, value: str) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("admin")
    for path in ("/api/v1/orders", "/api/v1/exports/orders.csv", "/api/v1/exports/orders.xlsx"):
        for name in ("created_from", "created_to"):
            err = _refusal(client.get(path, params={name: value}, headers=admin))
            assert err["details"]["fields"][0]["field"] == name
    _refusal(client.get("/api/v1/routing/accuracy", params={"since": value}, headers=admin))
    _refusal(client.get("/api/v1/telephony/metrics", params={"end": value}, headers=admin))


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00+14:00", "9999-12-31"])
def test_open311_dates_at_the_edges(client: TestClient, value: str) -> None:
    for name in ("start_date", "end_date"):
        r = client.get("/open311/v2/requests.json", params={name: value})
        assert r.status_code == 400, r.text
        assert r.json()[0]["code"] == 400 and name in r.json()[0]["description"]


def test_console_date_filter_at_the_edges(client: TestClient, db) -> None:  # type: ignore[no-untyped-def]
    login(client, "dispatcher", db=db)
    r = client.get("/orders", params={"date_from": "0001-01-01", "date_to": "9999-12-31"})
    assert r.status_code == 200 and "工单列表" in r.text
    assert 'value="0001-01-01"' not in r.text  # a date out of range is dropped from the filter, as a bad one is


NUL_BODIES = [{**DEMAND, "title": "路灯\x00不亮"}, {**DEMAND, "content": "新华路路灯不亮\x01已经三天"},
              {**DEMAND, "citizen_name": "李\x00娜"}, {**DEMAND, "address": "新华路\ud800"},
              {**DEMAND, "title": "路灯\u202e不亮"}, {**DEMAND, "content": "新华路\u2066路灯\u2069不亮"}]


@pytest.mark.parametrize("body", NUL_BODIES, ids=["nul-title", "ctrl-content", "nul-name", "surrogate",
                                                  "bidi-override", "bidi-isolate"])
def test_control_characters_in_a_json_body(client: TestClient, as_user, body: dict) -> None:  # type: ignore[no-untyped-def]
    raw = json.dumps(body)  # escaped, as a client sends a lone surrogate ("\\ud800")
    err = _refusal(client.post("/api/v1/orders", content=raw, headers={**as_user("operator1"),
                                                                       "Content-Type": "application/json"}))
    assert err["code"] == "control_characters" and "控制字符" in err["message"]


def test_newlines_and_tabs_are_text(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    order = create(client, as_user("operator1"), content="第一行：路灯不亮\n第二行：\t已经三天了")
    assert order["content"] == "第一行：路灯不亮\n第二行：\t已经三天了"


@pytest.mark.parametrize("query", ["q=%00", "q=abc%00def", "status=%00", "%00=1", "phone=139%0012345678"])
def test_control_characters_in_the_query(client: TestClient, as_user, query: str) -> None:  # type: ignore[no-untyped-def]
    for path in ("/api/v1/orders", "/api/v1/exports/orders.csv", "/api/v1/knowledge"):
        assert _refusal(client.get(f"{path}?{query}", headers=as_user("admin")))["code"] == "control_characters"


def test_control_characters_in_the_path_and_in_forms(client: TestClient, as_user, db) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/orders/QY%00", headers=as_user("admin"))
    assert _refusal(r)["code"] == "control_characters"
    # a console form: the login page answers with a readable page, not a 500
    r = client.post("/login", data={"username": "admin\x00", "password": "demo12345", "next": "/"},
                    follow_redirects=False)
    assert r.status_code == 422 and "控制字符" in r.text
    # and a form field of an API call
    order = create(client, as_user("operator1"))
    r = client.post("/api/v1/appeals", headers=as_user("cg_handler"),
                    data={"number": order["number"], "kind": "appeal", "reason": "理由\x00"})
    assert _refusal(r)["code"] == "control_characters"


def test_rating_link_whose_id_overflows(client: TestClient) -> None:
    from hotline.callbacks.links import make_token

    for task_id in (10**30, 2**63, -1):
        r = client.get(f"/rate/{make_token(task_id)}")
        assert r.status_code == 404, (task_id, r.status_code)
        assert "评价链接无效" in r.text


PERIODS = [{"kind": "custom", "from": "9999-12-31", "to": "9999-12-31"},
           {"kind": "custom", "from": "0001-01-01", "to": "0001-01-02"},
           {"kind": "month", "value": "9999-12"}, {"kind": "month", "value": "0001-01"},
           {"kind": "quarter", "value": "9999Q4"}]


@pytest.mark.parametrize("params", PERIODS, ids=["custom-9999", "custom-0001", "month-9999", "month-0001", "q-9999"])
def test_kpi_periods_at_the_calendars_edges(client: TestClient, as_user, db, params: dict) -> None:  # type: ignore[no-untyped-def]
    err = _refusal(client.get("/api/v1/kpi/summary", params=params, headers=as_user("leader")), 422)
    assert err["code"] == "bad_period"
    login(client, "leader", db=db)
    page = client.get("/kpi", params=params)
    assert page.status_code == 422 and "统计周期格式不正确" in page.text


def test_telephony_dashboard_days_at_the_edges(client: TestClient, db) -> None:  # type: ignore[no-untyped-def]
    login(client, "supervisor", db=db)
    for params in ({"end": "9999-12-31"}, {"start": "0001-01-01"}):
        r = client.get("/telephony", params=params)
        assert r.status_code == 422 and "日期格式应为" in r.text


def test_machine_datetimes_at_the_edges(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("admin")
    for at in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"):
        r = client.post("/api/v1/telephony/events", headers=admin, json={"call_id": "edge", "type": "offered", "at": at})
        err = _refusal(r)
        assert err["details"]["fields"][0]["field"] == "at"
