"""Reads a request repeats, done once per transaction: a city's reference rows (categories, units), and
any other read a page repeats while it writes nothing (``TransactionMemo``).

A list page names the category of every row (``orders.service.category_path``) and an order page
renders the unit and category pickers of several forms; without a memo each row or picker reads the
same table again.  ``memo(db, key, build)`` keeps what ``build()`` returned in ``db.info`` for the
acting city until the session writes a category or a unit (flush, bulk UPDATE/DELETE), commits or
rolls back, so an admin's edit is seen by the next read and nothing outlives the transaction that
read it.  A memo without watched tables (``watched=None``, e.g. the KPI counts of a monthly report,
which read a dozen tables) is forgotten at *any* write of the session.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from hotline.org.models import Category, Unit

T = TypeVar("T")


class TransactionMemo:
    """One ``db.info`` store of built values, forgotten when the session writes what they were read from
    (``watched``: these mapped classes; None: anything), commits or rolls back."""

    _all: list[TransactionMemo] = []

    def __init__(self, info_key: str, watched: tuple[type, ...] | None) -> None:
        self.info_key, self.watched = info_key, watched
        TransactionMemo._all.append(self)

    def get(self, db: Session, key: tuple[Hashable, ...], build: Callable[[], T]) -> T:
        """``build()`` once per acting city, key and transaction."""
        from hotline.city.tenancy import current_scope

        store: dict[tuple[Any, ...], Any] = db.info.setdefault(self.info_key, {})
        full = (current_scope().id, *key)
        if full not in store:
            store[full] = build()
        return store[full]  # type: ignore[no-any-return]

    def forget(self, db: Session) -> None:
        db.info.pop(self.info_key, None)

    def _touches(self, classes: Any) -> bool:
        return self.watched is None or any(c in self.watched for c in classes)


REFERENCE = TransactionMemo("hotline.org.memo", (Category, Unit))
INFO_KEY = REFERENCE.info_key
WATCHED = REFERENCE.watched


def memo(db: Session, key: tuple[Hashable, ...], build: Callable[[], T]) -> T:
    """``build()`` once per acting city, key and transaction (the reference rows' memo)."""
    return REFERENCE.get(db, key, build)


def forget(db: Session) -> None:
    REFERENCE.forget(db)


def category_rows(db: Session) -> list[Any]:
    """The acting city's categories (code, name, parent_code, level, path, retired), by code: one read per transaction
    for the category of every list row and for every category picker of a page."""
    from sqlalchemy import select

    return memo(db, ("category_rows",), lambda: list(db.execute(
        select(Category.code, Category.name, Category.parent_code, Category.level, Category.path, Category.retired)
        .order_by(Category.code)).all()))


@event.listens_for(Session, "after_flush")
def _written(session: Session, _ctx: Any) -> None:
    written = None
    for m in TransactionMemo._all:
        if m.info_key in session.info:
            if written is None:
                written = {type(o) for o in (*session.new, *session.dirty, *session.deleted)}
            if written and m._touches(written):
                m.forget(session)


@event.listens_for(Session, "do_orm_execute")
def _bulk_written(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        for m in TransactionMemo._all:
            if m.info_key in state.session.info and m._touches(x.class_ for x in state.all_mappers):
                m.forget(state.session)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    for m in TransactionMemo._all:
        m.forget(session)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    for m in TransactionMemo._all:
        m.forget(session)
