"""Intake CPU (issue #15 item 1, toward 8 ms): what one intake no longer reads or recomputes, with the
same answer as before — the 201 body, the repeat check, the hot-matter join, the routing suggestion."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from hotline import db as dbmod
from tests.integration.helpers import DEMAND


@contextmanager
def _statements() -> Iterator[list[str]]:
    seen: list[str] = []
    engine = dbmod.get_engine()

    def grab(_conn: Any, _cur: Any, statement: str, *_a: Any) -> None:
        seen.append(" ".join(statement.lower().split()))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", grab)


def _demand(i: int) -> dict[str, Any]:
    return {**DEMAND, "title": f"{DEMAND['title']}（第{i}次）", "citizen_phone": f"137{i:08d}"}


def test_a_purpose_without_a_model_is_looked_for_at_the_periodic_check_only(db: Session) -> None:
    """Old code: a purpose with no active model (the demo has no unit model) read routing_models on every
    suggestion — two SELECTs per intake."""
    from hotline.routing.service import REGISTRY

    REGISTRY.forget()
    assert REGISTRY.get(db, "no-such-purpose") is None
    with _statements() as seen:
        assert REGISTRY.get(db, "no-such-purpose") is None
        REGISTRY.get(db, "category")  # another purpose of the same check: looked for once, too
        REGISTRY.get(db, "category")
    assert sum("from routing_models" in s for s in seen) <= 1
    REGISTRY.checked.clear()  # the periodic check comes due: looked for again
    with _statements() as seen:
        REGISTRY.get(db, "no-such-purpose")
    assert sum("from routing_models" in s for s in seen) == 1


def test_the_intake_answer_reads_its_own_category_not_the_whole_table(client: Any, as_user: Any, db: Session) -> None:
    from hotline.orders.service import category_paths

    headers = as_user("operator1")
    cats = client.get("/api/v1/categories", headers=headers).json()
    cat = next(c["code"] for c in cats if c["level"] == 3)
    with _statements() as seen:
        r = client.post("/api/v1/orders", json={**_demand(1), "category_code": cat}, headers=headers)
    assert r.status_code == 201, r.text
    whole = [s for s in seen if "from categories" in s and "order by categories.code" in s]
    assert whole == []
    assert r.json()["category_path"] == category_paths(db)[cat]  # the path the list shows
    assert client.get(f"/api/v1/orders/{r.json()['number']}", headers=headers).json()["category_path"] == \
        category_paths(db)[cat]


def test_the_hot_matter_join_and_the_fake_completion_check_use_what_the_intake_wrote(
        client: Any, as_user: Any) -> None:
    """Old code: the join read the new order's DupDoc back (and re-ranked its tokens); the fake-completion
    hook read the new order's repeat link back although the repeat check had just decided it."""
    headers = as_user("operator1")
    with _statements() as seen:
        r = client.post("/api/v1/orders", json=_demand(2), headers=headers)
    assert r.status_code == 201, r.text
    assert [s for s in seen if s.startswith("select dup_docs.feats from dup_docs")] == []
    assert [s for s in seen if s.startswith("select") and "from repeat_links" in s] == []


def test_no_settings_stamp_is_read_at_a_savepoint(db: Session) -> None:
    """Old code: every savepoint (the intake's hooks take three) read the live settings' stamps again."""
    from hotline.city.models import SettingsVersion  # noqa: F401 - the stamp's table

    db.scalar(select(1))  # the transaction has begun (and read its stamps)
    with _statements() as seen:
        with db.begin_nested():
            db.scalar(select(1))
    assert [s for s in seen if "from settings_versions" in s] == []


def test_held_index_rows_do_not_outlive_a_rolled_back_savepoint(db: Session) -> None:
    """What the duplicate index holds for a later hook is dropped when a savepoint rolls back (the
    DupDoc may have gone with it): the reader then reads the database, as before."""
    from hotline.duplicates import index
    from hotline.orders.actor import Actor
    from hotline.orders.flows import do_intake
    from hotline.org.models import User

    actor = Actor.of(db.scalar(select(User).where(User.username == "operator1")))
    try:
        with db.begin_nested():
            order = do_intake(db, actor=actor, data=_demand(3))
            db.flush()
            assert index.held(db, order.id) is not None
            oid = order.id
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert index.held(db, oid) is None
