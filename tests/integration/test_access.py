"""Access rules: who sees which orders, who may act, and what of the citizen they see."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.helpers import act, create, dispatched, ok


def test_unit_sees_only_its_orders(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    mine = dispatched(client, as_user, "dept-chengguan")
    other = dispatched(client, as_user, "dept-zhujian")
    cg = as_user("cg_handler")
    assert client.get(f"/api/v1/orders/{mine}", headers=cg).status_code == 200
    r = client.get(f"/api/v1/orders/{other}", headers=cg)
    assert r.status_code == 404 and r.json()["error"]["code"] == "order_not_found"
    numbers = {o["number"] for o in client.get("/api/v1/orders?size=200", headers=cg).json()["items"]}
    assert mine in numbers and other not in numbers


def test_unit_cannot_act_on_another_units_order(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    number = dispatched(client, as_user, "dept-zhujian")
    r = act(client, as_user("zj_handler"), number, "sign")
    assert r.status_code == 200
    # a co-handler may see it and give an opinion, but not sign or reply as lead
    number2 = dispatched(client, as_user, "dept-zhujian", co=["dept-chengguan"])
    cg = as_user("cg_handler")
    assert client.get(f"/api/v1/orders/{number2}", headers=cg).status_code == 200
    r = act(client, cg, number2, "sign")
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_your_order"
    ok(client, as_user("zj_handler"), number2, "sign")
    body = ok(client, cg, number2, "co_reply", content="城管局意见：该处违建由我局配合拆除，已安排执法队员。")
    assert body["status"] == "in_progress"


def test_leader_sees_sub_units_handler_does_not(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    number = dispatched(client, as_user, "s-dongcheng-xinhua", pushdown_reason="街道网格员可当天到现场处置，属地先行")
    assert client.get(f"/api/v1/orders/{number}", headers=as_user("xinhua_handler")).status_code == 200
    assert client.get(f"/api/v1/orders/{number}", headers=as_user("dongcheng_leader")).status_code == 200
    assert client.get(f"/api/v1/orders/{number}", headers=as_user("binjiang_handler")).status_code == 404
    assert client.get(f"/api/v1/orders/{number}", headers=as_user("cg_leader")).status_code == 404


def test_phone_masked_outside_centre(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    number = dispatched(client, as_user, "dept-chengguan")
    assert client.get(f"/api/v1/orders/{number}", headers=as_user("dispatcher")).json()["citizen_phone"] == "13912345678"
    unit_view = client.get(f"/api/v1/orders/{number}", headers=as_user("cg_handler")).json()
    assert unit_view["citizen_phone"] == "139****5678"
    assert unit_view["citizen_name"] == "李*"
    listed = client.get("/api/v1/orders", headers=as_user("cg_handler")).json()["items"]
    assert all("****" in (o["citizen_phone"] or "****") for o in listed)


def test_confidential_reporter_never_shown_outside_centre(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    number = dispatched(client, as_user, "dept-shichang", kind="report", confidential=True,
                        title="举报无证经营", content="实名举报某商铺无证经营并销售过期食品，请求保密。")
    centre = client.get(f"/api/v1/orders/{number}", headers=as_user("supervisor")).json()
    assert centre["citizen_name"] == "李娜" and centre["citizen_phone"] == "13912345678"
    unit = client.get(f"/api/v1/orders/{number}", headers=as_user("sj_handler")).json()
    assert unit["citizen_phone"] is None and unit["citizen_name"] == "（保密）"
    assert "李娜" not in str(unit) and "5678" not in str(unit)


def test_leader_reads_everything_but_acts_on_nothing(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    number = dispatched(client, as_user, "dept-chengguan")
    leader = as_user("leader")
    body = client.get(f"/api/v1/orders/{number}", headers=leader).json()
    assert body["allowed_actions"] == []
    r = act(client, leader, number, "comment", note="请加快办理")
    assert r.status_code == 403


def test_sub_centre_dispatches_only_within_its_district(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    order = create(client, as_user("operator1"))
    ok(client, as_user("dispatcher"), order["number"], "dispatch_to_subcentre", subcentre="d-dongcheng")
    sub = as_user("subcentre_dongcheng")
    queue = client.get("/api/v1/queues/dispatcher", headers=sub).json()
    assert order["number"] in {o["number"] for o in queue["new"]}
    from tests.integration.helpers import leaf_category

    cat = leaf_category(client, sub)
    r = act(client, sub, order["number"], "subdispatch", lead_unit="s-hexi-binjiang", category_code=cat,
            pushdown_reason="街道网格员可当天到现场处置，属地先行")
    assert r.status_code == 422 and r.json()["error"]["code"] == "outside_subcentre"
    body = ok(client, sub, order["number"], "subdispatch", lead_unit="s-dongcheng-xinhua", category_code=cat,
              pushdown_reason="街道网格员可当天到现场处置，属地先行")
    assert body["status"] == "dispatched"
    # a return goes back to the sub-centre, not the city centre
    ok(client, as_user("xinhua_handler"), order["number"], "request_return", reason="该事项属于城管执法范畴，不属本街道职责")
    assert ok(client, sub, order["number"], "approve_return")["status"] == "at_subcentre"


def test_roles_without_intake_cannot_create(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.helpers import DEMAND

    r = client.post("/api/v1/orders", json=DEMAND, headers=as_user("cg_handler"))
    assert r.status_code == 403 and r.json()["error"]["message"]


def test_bearer_token_and_session_both_required(client: TestClient) -> None:
    assert client.get("/api/v1/orders").status_code == 401
    r = client.get("/api/v1/orders", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.json()["error"]["message"] == "请先登录"


def test_console_session_needs_csrf_for_writes(client: TestClient, db) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import login
    from tests.integration.helpers import DEMAND

    csrf = login(client, "operator1", db=db)
    assert client.post("/api/v1/orders", json=DEMAND).status_code == 403
    assert client.post("/api/v1/orders", json=DEMAND, headers={"X-CSRF-Token": "wrong"}).status_code == 403
    assert client.post("/api/v1/orders", json=DEMAND, headers={"X-CSRF-Token": csrf}).status_code == 201


def test_passwords_are_argon2_and_wrong_password_refused(client: TestClient, db) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from hotline.org.models import User

    u = db.scalar(select(User).where(User.username == "operator1"))
    assert u.password_hash.startswith("$argon2id$")
    from tests.conftest import login_csrf

    r = client.post("/login", data={"username": "operator1", "password": "wrong", "csrf_token": login_csrf(client)},
                    follow_redirects=False)
    assert r.status_code == 401 and "用户名或密码错误" in r.text


def test_logout_ends_the_session(client: TestClient, db) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import login

    csrf = login(client, "operator1", db=db)
    cookie = client.cookies["hotline_session"]
    assert client.get("/api/v1/me").status_code == 200
    client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    client.cookies.set("hotline_session", cookie)
    assert client.get("/api/v1/me").status_code == 401
