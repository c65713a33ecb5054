"""The console offers and pre-fills a category only when it is a leaf of the catalogue in force
(routing.service.is_leaf), not when its code has six characters: a category given a child in the
catalogue is no leaf any more, and a leaf may have a code of any length.  Fails on the old length test."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.console.order_pages import _prefill
from hotline.console.support import stored_suggestion
from hotline.org.models import User
from tests.conftest import login
from tests.integration.test_console_pages import _order
from tests.integration.test_order_next_step import _page, _selected


def _move_and_split(db: Session, code: str, child: str) -> None:
    """A catalogue version in which third-level ``code`` moves up under its first-level branch and gets
    a child ``child`` (so ``code``, six characters long, is a leaf no more; ``child`` is an eight-character leaf)."""
    from hotline.catalogue import service as cat
    from hotline.routing.service import forget_catalogue

    _, snap = cat.current(db)
    snap = cat.put_category(snap, code=code, parent=code[:2])
    snap = cat.put_category(snap, code=child, name="细分项", parent=code, create=True)
    admin = db.scalar(select(User).where(User.username == "admin"))
    assert admin is not None
    cat.commit(db, actor=admin, snapshot=snap, reason="细分三级分类")
    db.commit()
    forget_catalogue()


def test_a_category_given_a_child_is_not_prefilled_nor_offered(client: TestClient, db: Session) -> None:
    order = _order(db)
    order.category_code = None
    db.commit()
    before = stored_suggestion(db, order)
    assert before and before["categories"]
    top = before["categories"][0]["code"]
    assert len(top) == 6  # the old test would take it
    login(client, "dispatcher", db=db)
    assert _selected(_page(client, order.number)[2], "f-dispatch-category_code") == [top]

    _move_and_split(db, top, top + "A1")
    after = stored_suggestion(db, order)
    assert after is not None
    offered = [c["code"] for c in after["categories"]]
    from hotline.routing.service import is_leaf
    assert top not in offered or not any(is_leaf(db, c) for c in offered)  # (no leaf suggested: all shown)
    # the stored suggestion still names it first: it is not pre-filled (the length test pre-filled it)
    assert "category_code" not in _prefill(db, order, after, ["dispatch"]).get("dispatch", {})
    lead, _, html = _page(client, order.number)
    assert lead[0] == "dispatch"
    assert _selected(html, "f-dispatch-category_code") != [top]  # a branch is never pre-filled

    # a leaf whose code is not six characters is pre-filled
    fill = _prefill(db, order, {"units": [], "categories": [{"code": top + "A1"}]}, ["dispatch"])
    assert fill == {"dispatch": {"category_code": top + "A1"}}
    assert _prefill(db, order, {"units": [], "categories": [{"code": top}]}, ["dispatch"]) == {}
