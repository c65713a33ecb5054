"""Intake without waiting (issue #15 item 1): the order number does not serialise intakes, a new
order's index rows are written without DELETEs, and each text is segmented once per request."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from hotline import db as dbmod
from hotline.orders.actor import Actor
from hotline.orders.flows import do_create_order, do_intake
from hotline.orders.models import Order
from hotline.org.models import User
from tests.conftest import DB_URL
from tests.integration.helpers import DEMAND

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


@contextmanager
def _statements() -> Iterator[list[str]]:
    seen: list[str] = []
    engine = dbmod.get_engine()

    def grab(_conn: Any, _cur: Any, statement: str, *_a: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", grab)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", grab)


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
