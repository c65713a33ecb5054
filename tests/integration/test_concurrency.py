"""Two people act on one order at once: one wins, the other gets 409, nothing is half-written."""

from __future__ import annotations

import threading

import httpx
import pytest
from sqlalchemy import func, select

from hotline import db as dbmod
from hotline.db import commit_or_conflict
from hotline.errors import Conflict
from hotline.orders.actor import Actor
from hotline.orders.enums import Action
from hotline.orders.flows import do_action, do_create_order
from hotline.orders.models import Order, OrderEvent
from hotline.org.auth import create_api_token
from hotline.org.models import Category, User


def _user(s, name: str) -> User:  # type: ignore[no-untyped-def]
    return s.scalar(select(User).where(User.username == name))


def _dispatched_order() -> str:
    with dbmod.session_scope() as s:
        cat = s.scalar(select(Category.code).where(Category.level == 3))
        o = do_create_order(s, actor=Actor.of(_user(s, "operator1")), data={
            "kind": "complaint", "title": "噪音扰民", "content": "楼下商铺夜间音响声音很大，影响休息。"})
        do_action(s, order=o, actor=Actor.of(_user(s, "dispatcher")), action=Action.dispatch,
                  payload={"lead_unit": "dept-chengguan", "category_code": cat})
        return o.number


def _events(number: str) -> int:
    with dbmod.session_scope() as s:
        oid = s.scalar(select(Order.id).where(Order.number == number))
        return s.scalar(select(func.count(OrderEvent.id)).where(OrderEvent.order_id == oid)) or 0


def test_stale_write_is_refused_and_leaves_nothing(committed: None) -> None:
    number = _dispatched_order()
    factory = dbmod.session_factory()
    a = factory()
    order_a = a.scalar(select(Order).where(Order.number == number))
    a.commit()  # A has read version N and holds no lock (a page someone left open)

    with dbmod.session_scope() as b:
        order_b = b.scalar(select(Order).where(Order.number == number))
        do_action(b, order=order_b, actor=Actor.of(_user(b, "cg_handler")), action=Action.sign, payload={})

    with pytest.raises(Conflict) as exc:
        do_action(a, order=order_a, actor=Actor.of(_user(a, "cg_handler")), action=Action.request_return,
                  payload={"reason": "不属于本单位职责范围，申请退回"})
        commit_or_conflict(a)
    a.close()
    assert exc.value.status_code == 409 and exc.value.code == "concurrent_update"
    assert _events(number) == 3  # create, dispatch, sign — the losing action wrote nothing
    with dbmod.session_scope() as s:
        assert s.scalar(select(Order.status).where(Order.number == number)) == "in_progress"


def test_simultaneous_requests_one_wins(live_server: str) -> None:
    number = _dispatched_order()
    with dbmod.session_scope() as s:
        token = create_api_token(s, _user(s, "cg_handler"), "race")
    n = 6
    barrier = threading.Barrier(n)
    codes: list[int] = []

    def go() -> None:
        with httpx.Client(base_url=live_server, timeout=30) as c:
            barrier.wait()
            r = c.post(f"/api/v1/orders/{number}/actions", json={"action": "sign"},
                       headers={"Authorization": f"Bearer {token}"})
            codes.append(r.status_code)

    threads = [threading.Thread(target=go) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200] + [409] * (n - 1)
    assert _events(number) == 3


def test_expected_version_guards_stale_pages(client, as_user) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.helpers import act, dispatched

    n = dispatched(client, as_user, "dept-chengguan")
    cg = as_user("cg_handler")
    v = client.get(f"/api/v1/orders/{n}", headers=cg).json()["version"]
    assert act(client, cg, n, "sign", expected_version=v).status_code == 200
    r = act(client, cg, n, "comment", note="补充说明", expected_version=v)
    assert r.status_code == 409 and r.json()["error"]["code"] == "stale_version"


# ---------------------------------------------------------------- conflicting pairs (issue #10, item 2)
#
# Each pair is fired behind a barrier by two threads, each on its own keep-alive HTTP
# connection to the real server, on committed data.  On PostgreSQL a second barrier inside
# the server makes both requests load the same version of the order before either writes, so
# the loser always meets the versioned UPDATE (the StaleDataError path that used to be a 500
# from an autoflush inside the handler).  SQLite serialises writers (BEGIN IMMEDIATE), so
# there the loser sees the winner's status: a 409 as well, from the state machine.

LOSER_CODES = {"concurrent_update", "guard_failed", "illegal_transition"}


def _pg() -> bool:
    return dbmod.get_engine().dialect.name == "postgresql"


def _returned_order() -> str:
    number = _dispatched_order()
    with dbmod.session_scope() as s:
        o = s.scalar(select(Order).where(Order.number == number))
        do_action(s, order=o, actor=Actor.of(_user(s, "cg_handler")), action=Action.request_return,
                  payload={"reason": "不属于本单位职责范围，申请退回"})
    return number


def _received_order() -> str:
    with dbmod.session_scope() as s:
        o = do_create_order(s, actor=Actor.of(_user(s, "operator1")), data={
            "kind": "complaint", "title": "占道经营", "content": "新华路早市摊贩占道经营，行人无法通行。"})
        return o.number


def _leaf_category() -> str:
    with dbmod.session_scope() as s:
        return s.scalar(select(Category.code).where(Category.level == 3).order_by(Category.code))


def _meet_inside_server(monkeypatch: pytest.MonkeyPatch, parties: int) -> None:
    """Both requests hold the order as loaded (same version) before either changes it."""
    if not _pg():
        return
    from hotline.orders import service

    inner = threading.Barrier(parties)
    real = service.get_order

    def get_order(db, **kw):  # type: ignore[no-untyped-def]
        order = real(db, **kw)
        try:
            inner.wait(timeout=10)
        except threading.BrokenBarrierError:
            pass
        return order

    monkeypatch.setattr(service, "get_order", get_order)


def _post(conn, path: str, body: dict, token: str) -> tuple[int, dict]:  # type: ignore[no-untyped-def,type-arg]
    import json

    conn.request("POST", path, body=json.dumps(body), headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    r = conn.getresponse()
    return r.status, json.loads(r.read() or b"{}")


def _race(live_server: str, number: str, bodies: list[dict], users: list[str]  # type: ignore[type-arg]
          ) -> list[tuple[int, dict, int]]:  # type: ignore[type-arg]
    """Fire the bodies at once; then each connection asks for the order again (keep-alive)."""
    import http.client
    from urllib.parse import urlsplit

    host = urlsplit(live_server)
    with dbmod.session_scope() as s:
        tokens = [create_api_token(s, _user(s, u), "race") for u in users]
    barrier = threading.Barrier(len(bodies))
    out: list[tuple[int, dict, int]] = [(0, {}, 0)] * len(bodies)  # type: ignore[type-arg]

    def go(i: int) -> None:
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
        status, body = 0, {}
        try:
            barrier.wait()
            status, body = _post(conn, f"/api/v1/orders/{number}/actions", bodies[i], tokens[i])
            # the same connection, no reconnect: http.client fails if the server dropped it
            conn.request("GET", f"/api/v1/orders/{number}", headers={"Authorization": f"Bearer {tokens[i]}"})
            again = conn.getresponse()
            again.read()
            out[i] = (status, body, again.status)
        except Exception as exc:  # noqa: BLE001 - reported by the assertions, with what happened
            out[i] = (status, {**body, "exception": repr(exc)}, -1)
        finally:
            conn.close()

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def _one_wins(results: list[tuple[int, dict, int]]) -> dict:  # type: ignore[type-arg]
    statuses = sorted(r[0] for r in results)
    assert statuses == [200, 409], results
    loser = next(r[1] for r in results if r[0] == 409)["error"]
    assert loser["code"] in LOSER_CODES, loser
    assert loser["message"] and loser["message_en"]  # bilingual, readable
    if loser["code"] == "concurrent_update":
        assert loser["message"] == "工单已被他人修改，请刷新后重试"
    assert all(r[2] == 200 for r in results), "a client's next request on its connection failed"
    return next(r[1] for r in results if r[0] == 200)


def _actions(number: str) -> list[str]:
    with dbmod.session_scope() as s:
        oid = s.scalar(select(Order.id).where(Order.number == number))
        return list(s.scalars(select(OrderEvent.action).where(OrderEvent.order_id == oid).order_by(OrderEvent.id)))


def test_two_dispatches_at_once(live_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    number = _received_order()
    cat = _leaf_category()
    _meet_inside_server(monkeypatch, 2)
    won = _one_wins(_race(live_server, number, [
        {"action": "dispatch", "lead_unit": "dept-chengguan", "category_code": cat},
        {"action": "dispatch", "lead_unit": "dept-shichang", "category_code": cat}], ["dispatcher", "dispatcher"]))
    assert _actions(number) == ["create", "dispatch"]  # the loser wrote nothing
    with dbmod.session_scope() as s:
        o = s.scalar(select(Order).where(Order.number == number))
        assert o.status == "dispatched" and len(o.active_assignments()) == 1
        assert o.lead_unit.code == won["lead_unit"]["code"]  # the winner's choice, and only it


def test_approve_and_reject_return_at_once(live_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    number = _returned_order()
    _meet_inside_server(monkeypatch, 2)
    _one_wins(_race(live_server, number, [
        {"action": "approve_return", "note": "同意退回"},
        {"action": "reject_return", "note": "属于本单位职责，请继续办理"}], ["dispatcher", "dispatcher"]))
    acts = _actions(number)
    assert acts[:3] == ["create", "dispatch", "request_return"] and len(acts) == 4
    assert acts[3] in ("approve_return", "reject_return")
    with dbmod.session_scope() as s:
        from hotline.orders.models import OrderRequest

        states = list(s.scalars(select(OrderRequest.state).join(Order).where(Order.number == number)))
        assert states in (["approved"], ["rejected"])  # decided once


def test_redispatch_and_approve_return_at_once(live_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    number = _returned_order()
    _meet_inside_server(monkeypatch, 2)
    _one_wins(_race(live_server, number, [
        {"action": "redispatch", "lead_unit": "dept-shichang"},
        {"action": "approve_return", "note": "同意退回"}], ["dispatcher", "dispatcher"]))
    acts = _actions(number)
    assert len(acts) == 4 and acts[3] in ("redispatch", "approve_return")
    with dbmod.session_scope() as s:
        o = s.scalar(select(Order).where(Order.number == number))
        expected = "dispatched" if acts[3] == "redispatch" else "received"
        assert o.status == expected
        assert len(o.active_assignments()) == (1 if expected == "dispatched" else 0)


def test_an_unexpected_error_keeps_the_connection(live_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bilingual 500 is answered and the keep-alive connection stays usable."""
    import http.client
    import json
    from urllib.parse import urlsplit

    from hotline.orders import service

    number = _received_order()
    with dbmod.session_scope() as s:
        token = create_api_token(s, _user(s, "dispatcher"), "boom")

    def boom(*a, **kw):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug")

    monkeypatch.setattr(service, "present_detail", boom)
    host = urlsplit(live_server)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    try:
        conn.request("GET", f"/api/v1/orders/{number}", headers={"Authorization": f"Bearer {token}"})
        r = conn.getresponse()
        body = json.loads(r.read())
        assert r.status == 500 and body["error"]["message"] == "系统内部错误，请稍后重试"
        assert "a bug" not in json.dumps(body)  # no internals
        conn.request("GET", "/healthz")
        again = conn.getresponse()
        assert again.status == 200 and json.loads(again.read()) == {"status": "ok"}
    finally:
        conn.close()


def test_console_forms_racing_get_a_readable_message(live_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two dispatchers press 同意退回 and 驳回 on the order page at once: the loser reads why."""
    import httpx

    from tests.conftest import login

    number = _returned_order()
    clients = [httpx.Client(base_url=live_server, timeout=30) for _ in range(2)]
    tokens = [login(c, "dispatcher") for c in clients]  # type: ignore[arg-type]
    forms = [{"action": "approve_return", "note": "同意退回"},
             {"action": "reject_return", "note": "属于本单位职责，请继续办理"}]
    _meet_inside_server(monkeypatch, 2)
    barrier = threading.Barrier(2)
    pages: list[httpx.Response | None] = [None, None]

    def go(i: int) -> None:
        barrier.wait()
        pages[i] = clients[i].post(f"/orders/{number}/act", data={**forms[i], "csrf_token": tokens[i]},
                                   headers={"HX-Request": "true"})

    threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        got = sorted(p.status_code for p in pages if p is not None)
        assert got == [200, 409], [(p.status_code, p.text[:300]) for p in pages if p]
        loser = next(p for p in pages if p is not None and p.status_code == 409)
        assert "系统内部错误" not in loser.text
        assert "工单已被他人修改，请刷新后重试" in loser.text or "工单当前状态为" in loser.text, loser.text
        for c in clients:  # both can go on working
            assert c.get(f"/orders/{number}").status_code == 200
    finally:
        for c in clients:
            c.close()
    assert len(_actions(number)) == 4


@pytest.mark.parametrize("raised", ["stale", "deadlock"])
def test_a_lost_race_escaping_a_view_is_still_a_409(client, as_user, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                                    raised: str) -> None:
    """The app's backstop: a raw StaleDataError (or a PostgreSQL deadlock) from any view is a 409."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm.exc import StaleDataError

    from hotline.orders import service
    from tests.integration.helpers import create

    number = create(client, as_user("operator1"))["number"]

    class Deadlock(Exception):
        sqlstate = "40P01"

    def lose(*a, **kw):  # type: ignore[no-untyped-def]
        if raised == "stale":
            raise StaleDataError("UPDATE statement on table 'orders' expected to update 1 row(s); 0 were matched.")
        raise OperationalError("UPDATE orders …", {}, Deadlock("deadlock detected"))

    monkeypatch.setattr(service, "get_order", lose)
    r = client.post(f"/api/v1/orders/{number}/actions", json={"action": "comment", "note": "补充"},
                    headers=as_user("operator1"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "concurrent_update"
    assert r.json()["error"]["message"] == "工单已被他人修改，请刷新后重试"
