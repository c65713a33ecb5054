"""A page's repeated KPI reads are read once per transaction and forgotten at its first write (issue #20 item 7:
the monthly report asked three times for the same month's centre counts and planned each month's facts days
seven times).  The second read issues no statement; after a write the next read sees the write."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.kpi import daily, queries
from hotline.kpi.formulas import Period
from hotline.orders.models import Order
from tests.integration.helpers import dispatched


@pytest.fixture
def seen(db: Session) -> Iterator[list[str]]:
    """The statements the test's connection runs from now on."""
    out: list[str] = []
    engine = db.get_bind().engine

    def listen(*a: Any) -> None:
        out.append(a[2])

    event.listen(engine, "before_cursor_execute", listen)
    yield out
    event.remove(engine, "before_cursor_execute", listen)


def test_the_same_counts_twice_read_once_and_a_write_is_seen(client, as_user, db: Session, seen) -> None:  # type: ignore[no-untyped-def]
    n = dispatched(client, as_user, "dept-chengguan")
    now = utcnow()
    p = Period(now - timedelta(days=2), now + timedelta(days=1))
    seen.clear()
    first = queries.centre_counts(db, p)
    assert seen, "the first read reads the database"
    seen.clear()
    again = queries.centre_counts(db, p)
    assert again == first and seen == []  # the transaction's memo
    again["received"] = -1  # a caller's copy: the memo is not changed through it
    assert queries.centre_counts(db, p)["received"] == first["received"]
    # a write of the same transaction: the next read reads again and sees it
    o = db.scalar(select(Order).where(Order.number == n))
    o.created_at = now - timedelta(days=10)  # out of the period
    db.flush()
    seen.clear()
    after = queries.centre_counts(db, p)
    assert seen and after["received"] == first["received"] - 1
    # and a commit forgets it too
    db.commit()
    seen.clear()
    queries.centre_counts(db, p)
    assert seen


def test_the_days_with_facts_are_planned_once_per_transaction(client, as_user, db: Session, seen) -> None:  # type: ignore[no-untyped-def]
    dispatched(client, as_user, "dept-chengguan")
    now = utcnow()
    p = Period(now - timedelta(days=9), now - timedelta(days=2))
    rules = daily.current_rules()
    seen.clear()
    first = daily.plan(db, p, rules, settled_by=now)
    n_first = len(seen)
    seen.clear()
    assert daily.plan(db, p, rules, settled_by=now) == first and seen == []
    assert n_first >= 1
