"""Idempotent intake (issue #10, item 1): a retried or doubled request never makes a second order.

``Idempotency-Key`` on POST /api/v1/orders, Open311 POST requests and the portal form; an
``external_id`` unique per channel.  The contract is in docs/api.md.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hotline import db as dbmod
from hotline.idempotency.models import IdempotencyKey
from hotline.orders.models import Order
from hotline.org.auth import create_api_token
from hotline.org.models import User
from hotline.portal import ratelimit
from tests.integration.helpers import DEMAND

API = "/api/v1/orders"


def _count(db: Session, **where: Any) -> int:
    stmt = select(func.count(Order.id))
    for k, v in where.items():
        stmt = stmt.where(getattr(Order, k) == v)
    return db.scalar(stmt) or 0


def _demand(**over: Any) -> dict[str, Any]:
    return {**DEMAND, "title": f"重复提交测试{uuid.uuid4().hex[:6]}", **over}


# ---------------------------------------------------------------- REST API


def test_same_key_twice_returns_the_first_response_and_one_order(client: TestClient, as_user, db: Session
                                                                 ) -> None:  # type: ignore[no-untyped-def]
    body, key = _demand(), str(uuid.uuid4())
    h = {**as_user("operator1"), "Idempotency-Key": key}
    first = client.post(API, json=body, headers=h)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    again = client.post(API, json=body, headers=h)
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()  # the very first response, number included
    assert _count(db, title=body["title"]) == 1


def test_without_a_key_the_same_body_makes_two_orders(client: TestClient, as_user, db: Session
                                                      ) -> None:  # type: ignore[no-untyped-def]
    body = _demand()
    for _ in range(2):
        assert client.post(API, json=body, headers=as_user("operator1")).status_code == 201
    assert _count(db, title=body["title"]) == 2  # a key (or an external_id) is what makes it one


def test_same_key_with_a_different_body_is_refused(client: TestClient, as_user, db: Session
                                                   ) -> None:  # type: ignore[no-untyped-def]
    key = str(uuid.uuid4())
    h = {**as_user("operator1"), "Idempotency-Key": key}
    a = _demand()
    assert client.post(API, json=a, headers=h).status_code == 201
    r = client.post(API, json={**a, "content": a["content"] + "（补充）"}, headers=h)
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "idempotency_key_reused"
    assert "已用于另一个不同的请求" in err["message"] and "different request" in err["message_en"]
    assert _count(db, title=a["title"]) == 1


def test_keys_belong_to_one_client(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    body, key = _demand(), str(uuid.uuid4())
    n1 = client.post(API, json=body, headers={**as_user("operator1"), "Idempotency-Key": key}).json()["number"]
    r2 = client.post(API, json=body, headers={**as_user("dispatcher"), "Idempotency-Key": key})
    assert r2.status_code == 201 and "idempotent-replayed" not in r2.headers
    assert r2.json()["number"] != n1


def test_an_expired_key_starts_afresh(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    body, key = _demand(), str(uuid.uuid4())
    h = {**as_user("operator1"), "Idempotency-Key": key}
    n1 = client.post(API, json=body, headers=h).json()["number"]
    row = db.scalar(select(IdempotencyKey).where(IdempotencyKey.key == key))
    assert row is not None and row.order_number == n1
    assert timedelta(hours=23) < row.expires_at - row.created_at <= timedelta(hours=24)
    db.execute(update(IdempotencyKey).where(IdempotencyKey.id == row.id)
               .values(expires_at=row.created_at - timedelta(seconds=1)))
    r = client.post(API, json=body, headers=h)
    assert r.status_code == 201 and "idempotent-replayed" not in r.headers and r.json()["number"] != n1


def test_a_refused_request_keeps_no_key(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    key = str(uuid.uuid4())
    h = {**as_user("operator1"), "Idempotency-Key": key}
    bad = client.post(API, json=_demand(category_code="no-such-category"), headers=h)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "unknown_category"
    assert db.scalar(select(IdempotencyKey).where(IdempotencyKey.key == key)) is None
    good = client.post(API, json=_demand(), headers=h)  # corrected, same key
    assert good.status_code == 201 and "idempotent-replayed" not in good.headers


@pytest.mark.parametrize("bad", [" ", "有中文", "x" * 201, "two words"])
def test_a_malformed_key_is_refused(client: TestClient, as_user, bad: str) -> None:  # type: ignore[no-untyped-def]
    r = client.post(API, json=_demand(), headers=[*as_user("operator1").items(),
                                                  ("Idempotency-Key", bad.encode())])
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_idempotency_key"
    assert "UUID" in r.json()["error"]["message"]


# ---------------------------------------------------------------- external_id


def test_a_second_order_for_the_same_external_id_is_409_with_the_first_number(
        client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    ext = f"EXT-{uuid.uuid4().hex[:8]}"
    first = client.post(API, json=_demand(external_id=ext, channel="api"), headers=as_user("operator1"))
    assert first.status_code == 201
    r = client.post(API, json=_demand(external_id=ext, channel="api"), headers=as_user("operator1"))
    assert r.status_code == 409
    err = r.json()["error"]
    assert err["code"] == "duplicate_external_id"
    assert err["details"]["number"] == first.json()["number"]
    assert first.json()["number"] in err["message"] and ext in err["message_en"]
    assert _count(db, external_id=ext) == 1
    # another source may use the same id for its own order
    other = client.post(API, json=_demand(external_id=ext, channel="wechat"), headers=as_user("operator1"))
    assert other.status_code == 201
    assert _count(db, external_id=ext) == 2


def test_the_database_refuses_a_duplicate_external_id(db: Session) -> None:
    from sqlalchemy.exc import IntegrityError

    from hotline.orders.actor import Actor
    from hotline.orders.flows import do_create_order

    op = db.scalar(select(User).where(User.username == "operator1"))
    data = {"kind": "help", "title": "标题", "content": "内容内容内容", "channel": "api", "external_id": "DUP-1"}
    do_create_order(db, actor=Actor.of(op), data=data)
    db.flush()
    with pytest.raises(IntegrityError), db.begin_nested():
        do_create_order(db, actor=Actor.of(op), data=data)


# ---------------------------------------------------------------- Open311 and the portal


def _open311(client: TestClient, api_key: str, key: str | None, fmt: str = "json", **over: str):  # type: ignore[no-untyped-def]
    data = {"service_code": "010101", "lat": "31.2304", "long": "121.4737", "address_string": "青阳市东城区新华路12号",
            "description": f"新华路12号门口路灯不亮已经三天了{over.pop('tag', '')}", "api_key": api_key, **over}
    return client.post(f"/open311/v2/requests.{fmt}", data=data,
                       headers={"Idempotency-Key": key} if key else {})


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_post_with_the_same_key_is_one_request(client: TestClient, as_user, db: Session, fmt: str
                                                      ) -> None:  # type: ignore[no-untyped-def]
    api_key = as_user("operator1")["Authorization"].removeprefix("Bearer ")
    key, tag = str(uuid.uuid4()), uuid.uuid4().hex[:6]
    first = _open311(client, api_key, key, fmt, tag=tag)
    assert first.status_code == 201, first.text
    again = _open311(client, api_key, key, fmt, tag=tag)
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.text == first.text and again.headers["content-type"] == first.headers["content-type"]
    number = re.search(r"QY\d+", first.text)
    assert number and _count(db, number=number.group(0)) == 1
    assert db.scalar(select(func.count(Order.id)).where(Order.content.contains(tag))) == 1
    reused = _open311(client, api_key, key, fmt, tag=tag + "x")
    assert reused.status_code == 400 and "Idempotency-Key" in reused.text  # the spec's error format


@pytest.fixture
def _fresh_limits() -> Iterator[None]:
    ratelimit.reset_all()
    yield
    ratelimit.reset_all()


PORTAL = {"kind": "help", "content": "东城区新华路12号门口的路灯已经坏了一个星期，晚上很黑，请尽快维修。",
          "address": "青阳市东城区新华路12号", "phone": "13800002222", "name": "王五"}


def test_portal_form_resent_shows_the_same_receipt_and_makes_one_order(
        client: TestClient, db: Session, _fresh_limits: None) -> None:
    form = client.get("/portal").text
    m = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', form)
    assert m, "the form carries a one-time key"
    assert m.group(1) not in client.get("/portal").text  # a new one each time the form is shown
    content = PORTAL["content"] + uuid.uuid4().hex[:6]
    data = {**PORTAL, "content": content, "idempotency_key": m.group(1)}
    first = client.post("/portal", data=data)
    assert first.status_code == 201 and "您的诉求已受理，工单编号：" in first.text
    again = client.post("/portal", data=data)  # a double click, or the back button and resend
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    n1 = re.search(r'id="order-number">([A-Z0-9-]+)<', first.text)
    n2 = re.search(r'id="order-number">([A-Z0-9-]+)<', again.text)
    assert n1 and n2 and n1.group(1) == n2.group(1)
    assert _count(db, content=content) == 1
    # back, edit the text, submit the same form: told so, with the first number, and a fresh key
    changed = client.post("/portal", data={**data, "content": content + "补充"})
    assert changed.status_code == 409 and f"此表单已提交过（工单编号{n1.group(1)}）" in changed.text
    fresh = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', changed.text)
    assert fresh and fresh.group(1) != m.group(1)
    assert _count(db, content=content + "补充") == 0
    second = client.post("/portal", data={**data, "content": content + "补充", "idempotency_key": fresh.group(1)})
    assert second.status_code == 201 and _count(db, content=content + "补充") == 1


# ---------------------------------------------------------------- real concurrency


def _fire(live_server: str, n: int, send) -> list[httpx.Response | BaseException]:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(n)
    out: list[httpx.Response | BaseException] = [RuntimeError("not run")] * n

    def go(i: int) -> None:
        with httpx.Client(base_url=live_server, timeout=60) as c:
            barrier.wait()
            try:
                out[i] = send(c, i)
            except BaseException as exc:  # noqa: BLE001 - reported by the assertions
                out[i] = exc

    threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def _token(username: str) -> str:
    with dbmod.session_scope() as s:
        return create_api_token(s, s.scalar(select(User).where(User.username == username)), "idem")


def _orders(**where: Any) -> int:
    with dbmod.session_scope() as s:
        return _count(s, **where)


def test_simultaneous_retries_with_one_key_make_one_order(live_server: str) -> None:
    token, key, body, n = _token("operator1"), str(uuid.uuid4()), _demand(), 5
    res = _fire(live_server, n, lambda c, i: c.post(API, json=body, headers={
        "Authorization": f"Bearer {token}", "Idempotency-Key": key}))
    assert all(isinstance(r, httpx.Response) for r in res), res
    codes = sorted(r.status_code for r in res)  # type: ignore[union-attr]
    assert all(c in (201, 409) for c in codes) and codes.count(201) >= 1, [
        (r.status_code, r.text[:200]) for r in res]  # type: ignore[union-attr]
    numbers = {r.json()["number"] for r in res if r.status_code == 201}  # type: ignore[union-attr]
    assert len(numbers) == 1
    for r in res:
        if r.status_code == 409:  # type: ignore[union-attr]
            assert r.json()["error"]["code"] == "request_in_progress"  # type: ignore[union-attr]
    assert _orders(title=body["title"]) == 1


def test_simultaneous_posts_of_one_external_id_make_one_order(live_server: str) -> None:
    token, ext, n = _token("operator1"), f"EXT-{uuid.uuid4().hex[:8]}", 4
    res = _fire(live_server, n, lambda c, i: c.post(API, json=_demand(external_id=ext, channel="api"),
                                                    headers={"Authorization": f"Bearer {token}"}))
    assert all(isinstance(r, httpx.Response) for r in res), res
    codes = sorted(r.status_code for r in res)  # type: ignore[union-attr]
    assert codes == [201] + [409] * (n - 1), [(r.status_code, r.text[:200]) for r in res]  # type: ignore[union-attr]
    won = next(r for r in res if r.status_code == 201).json()["number"]  # type: ignore[union-attr]
    for r in res:
        if r.status_code == 409:  # type: ignore[union-attr]
            err = r.json()["error"]  # type: ignore[union-attr]
            assert err["code"] == "duplicate_external_id" and err["details"]["number"] == won
    assert _orders(external_id=ext) == 1


def test_a_failure_after_the_order_is_built_keeps_neither(live_server: str, monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """The key row and the order commit together: a crash before commit leaves no key, no order."""
    from hotline.orders import service

    token, key, body = _token("operator1"), str(uuid.uuid4()), _demand()
    real = service.present_detail
    calls = {"n": 0}

    def flaky(*a: Any, **kw: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("the process died here")
        return real(*a, **kw)

    monkeypatch.setattr(service, "present_detail", flaky)
    h = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    with httpx.Client(base_url=live_server, timeout=30) as c:
        assert c.post(API, json=body, headers=h).status_code == 500
        assert _orders(title=body["title"]) == 0
        with dbmod.session_scope() as s:
            assert s.scalar(select(IdempotencyKey).where(IdempotencyKey.key == key)) is None
        r = c.post(API, json=body, headers=h)  # the client's retry
        assert r.status_code == 201 and "idempotent-replayed" not in r.headers
    assert _orders(title=body["title"]) == 1


def test_the_worker_purges_expired_keys(committed: None) -> None:
    """Keys past their 24 h are not only ignored but removed by the worker's pass."""
    from datetime import timedelta

    from hotline import db as dbmod
    from hotline.db import utcnow
    from hotline.idempotency.models import IdempotencyKey
    from hotline.outbox.worker import run_pass

    now = utcnow()
    with dbmod.session_scope() as s:
        s.add(IdempotencyKey(client="user:1", key="old", fingerprint="0" * 64, expires_at=now - timedelta(hours=1)))
        s.add(IdempotencyKey(client="user:1", key="new", fingerprint="0" * 64, expires_at=now + timedelta(hours=1)))
    run_pass(now=now, sweep_enabled=False)
    with dbmod.session_scope() as s:
        left = sorted(s.scalars(select(IdempotencyKey.key).where(IdempotencyKey.client == "user:1")))
    assert left == ["new"]
