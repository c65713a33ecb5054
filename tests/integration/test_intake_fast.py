"""Intake without waiting (issue #15 item 1): the order number does not serialise intakes, a new
order's index rows are written without DELETEs, and each text is segmented once per request."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from hotline import db as dbmod
from hotline.orders.actor import Actor
from hotline.orders.flows import do_create_order, do_intake
from hotline.orders.models import Order
from hotline.org.models import User
from tests.conftest import DB_URL
from tests.integration.helpers import DEMAND, sql_statements

pg_only = pytest.mark.skipif(not DB_URL.startswith("postgresql"), reason="PostgreSQL: row locks and a second connection")


def _operator(s: Session) -> Actor:
    return Actor.of(s.scalar(select(User).where(User.username == "operator1")))


def _demand(i: int) -> dict[str, Any]:
    return {**DEMAND, "title": f"{DEMAND['title']}（第{i}次）", "citizen_phone": f"139{i:08d}"}


@pg_only
def test_an_open_intake_does_not_hold_the_number_counter(committed: None) -> None:
    """Old code: A's counter-row lock lasts until A commits, so B's intake waits (here: lock_timeout)."""
    factory = dbmod.session_factory()
    a, b = factory(), factory()
    try:
        first = do_create_order(a, actor=_operator(a), data=_demand(1))
        a.flush()  # A is mid-intake: its hooks have run, it has not committed
        b.execute(text("set local lock_timeout = '1s'"))
        second = do_create_order(b, actor=_operator(b), data=_demand(2))  # must not wait for A
        b.commit()
        a.commit()
        assert first.number != second.number
        assert int(second.number[-5:]) == int(first.number[-5:]) + 1
    finally:
        a.close()
        b.close()


@pg_only
def test_numbers_stay_unique_under_concurrent_intakes_and_gaps_are_only_from_failures(committed: None) -> None:
    threads, per_thread = 8, 10
    numbers: list[str] = []
    rolled_back: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)
    lock = threading.Lock()

    def go(t: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                s = dbmod.session_factory()()
                try:
                    o = do_intake(s, actor=_operator(s), data=_demand(t * 100 + i))
                    if i == 0:  # one failed intake per thread: its number is a gap, never reused
                        s.rollback()
                        with lock:
                            rolled_back.append(o.number)
                        continue
                    s.commit()
                    with lock:
                        numbers.append(o.number)
                finally:
                    s.close()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    ts = [threading.Thread(target=go, args=(t,)) for t in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors, errors
    assert len(numbers) == threads * (per_thread - 1) and len(set(numbers)) == len(numbers)
    assert not set(numbers) & set(rolled_back)  # a failed intake's number is never handed out again
    with dbmod.session_scope() as s:
        stored = list(s.scalars(select(Order.number)))
    assert sorted(stored) == sorted(numbers)
    seqs = sorted(int(n[-5:]) for n in numbers + rolled_back)
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # taken numbers: no duplicates, no holes


_statements = sql_statements  # tests.integration.helpers


def test_a_new_order_is_indexed_without_deletes(db: Session) -> None:
    """A new order has no postings yet: the text index and the duplicate index only INSERT."""
    with _statements() as seen:
        order = do_intake(db, actor=_operator(db), data=_demand(7))
        db.flush()
    deletes = [s for s in seen if s.lstrip().lower().startswith("delete")]
    assert deletes == []
    inserts = " ".join(s.lower() for s in seen if s.lstrip().lower().startswith("insert"))
    assert "text_postings" in inserts and "dup_postings" in inserts  # both indexes were written
    from hotline.textindex.orders import search_orders

    user = db.scalar(select(User).where(User.username == "operator1"))
    assert order.number in [o.number for o, _ in search_orders(db, user=user, q="占道经营")]


def test_each_text_is_segmented_once_per_intake(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """The text index and the duplicate index (words and place names) share one jieba cut per field."""
    import jieba

    from hotline import search
    from hotline.textindex import segment

    jieba.initialize()
    for cached in (getattr(search, "_cut_line", None), segment._words):
        if cached is not None:
            cached.cache_clear()
    real = jieba.Tokenizer.cut
    cuts: list[str] = []

    def counting(self: Any, sentence: str, *a: Any, **kw: Any) -> Any:
        cuts.append(sentence)
        return real(self, sentence, *a, **kw)

    monkeypatch.setattr(jieba.Tokenizer, "cut", counting)
    data = {**_demand(9), "title": "路灯不亮三天了", "content": "东城区新华路北段路灯坏了三天，晚上很黑，老人摔倒过。",
            "address": "青阳市东城区新华路88号"}
    do_intake(db, actor=_operator(db), data=data)
    db.flush()
    jieba_cuts = [c for c in cuts if c.strip()]
    assert sorted(jieba_cuts) == sorted({c for c in jieba_cuts})  # no text cut twice
    assert set(jieba_cuts) <= {data["title"], data["content"], data["address"]}  # by the field, shared


def test_shared_cut_gives_jiebas_words() -> None:
    import jieba

    from hotline.search import cut, cut_for_search

    for t in [DEMAND["title"] + "\n" + DEMAND["content"] + "\n" + DEMAND["address"],
              "中华人民共和国国务院办公厅\nHPV疫苗 预约 13912345678", "", "\n\n路灯杆坏了"]:
        assert [w for w in cut(t) if w.strip()] == [w for w in jieba.lcut(t) if w.strip()]
        assert [w for w in cut_for_search(t) if w.strip()] == [w for w in jieba.cut_for_search(t) if w.strip()]


def test_the_intake_response_is_built_from_what_the_request_holds(client: Any, as_user: Any) -> None:
    """POST /orders answers with the order as GET shows it, without reading its rows back."""
    headers = as_user("operator1")
    with _statements() as seen:
        r = client.post("/api/v1/orders", json={**_demand(11), "note": "市民来电，情绪激动"}, headers=headers)
    assert r.status_code == 201, r.text
    made = r.json()
    read_back = [s for s in seen if s.lstrip().lower().startswith("select") and any(
        f"from {t} " in s.lower() + " " for t in ("order_events", "replies", "attachments", "order_requests"))]
    assert read_back == []
    assert [(e["action"], e["note"], e["actor"]) for e in made["events"]] == [("create", "市民来电，情绪激动", made["events"][0]["actor"])]
    assert made["events"][0]["actor"] and made["replies"] == [] and made["attachments"] == [] and made["requests"] == []
    shown = client.get(f"/api/v1/orders/{made['number']}", headers=headers).json()
    assert made == shown  # the same order, field by field (timeline included)


def test_an_intake_with_dispatch_answers_with_its_whole_timeline(client: Any, as_user: Any) -> None:
    headers = as_user("operator1")
    cats = client.get("/api/v1/categories", headers=headers).json()
    cat = next(c["code"] for c in cats if c["level"] == 3)
    r = client.post("/api/v1/orders", json={**_demand(12), "category_code": cat, "lead_unit": "dept-chengguan"},
                    headers=headers)
    assert r.status_code == 201, r.text
    made = r.json()
    assert [e["action"] for e in made["events"]][:2] == ["create", "dispatch"]
    assert made["lead_unit"]["code"] == "dept-chengguan" and made["status"] != "received"
    assert made == client.get(f"/api/v1/orders/{made['number']}", headers=headers).json()


@pg_only
def test_a_transaction_that_holds_its_city_row_takes_numbers_inside_without_hanging(committed: None) -> None:
    """The demo and a city's first import create the city and its orders in one transaction: the number's
    own connection would wait for that very transaction. It gives way once, then numbers come from inside."""
    import time
    from datetime import UTC, datetime

    from hotline.city.tenancy import current_city_id
    from hotline.orders.numbers import next_order_number

    s = dbmod.session_factory()()
    try:
        s.execute(text("select id from cities where id = :c for update"), {"c": current_city_id()})  # as an INSERT would
        at = datetime(2031, 3, 4, 4, tzinfo=UTC)  # a day with no counter row yet: its first number INSERTs one
        t0 = time.monotonic()
        got = [next_order_number(s, at) for _ in range(3)]
        took = time.monotonic() - t0
        assert [n[-13:] for n in got] == ["2031030400001", "2031030400002", "2031030400003"]
        assert 0.4 < took < 2.5  # one wait of 0.5 s, not one per number
        from hotline.orders import numbers

        assert s.info.get(numbers._INSIDE) is s.get_transaction()  # taken inside, for the rest of it
    finally:
        s.rollback()
        s.close()
