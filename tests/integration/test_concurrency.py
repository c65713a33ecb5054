"""Two people act on one order at once: one wins, the other gets 409, nothing is half-written."""

from __future__ import annotations

import threading

import httpx
import pytest
from sqlalchemy import func, select

from hotline import db as dbmod
from hotline.errors import Conflict
from hotline.orders.enums import Action
from hotline.orders.flows import Actor, commit_or_conflict, do_action, do_create_order
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
