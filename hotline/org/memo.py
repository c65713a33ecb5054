"""A city's reference rows (categories, units) read once per transaction, however often a page shows them.

A list page names the category of every row (``orders.service.category_path``) and an order page
renders the unit and category pickers of several forms; without a memo each row or picker reads the
same table again.  ``memo(db, key, build)`` keeps what ``build()`` returned in ``db.info`` for the
acting city until the session writes a category or a unit (flush, bulk UPDATE/DELETE), commits or
rolls back, so an admin's edit is seen by the next read and nothing outlives the transaction that
read it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from hotline.org.models import Category, Unit

T = TypeVar("T")
INFO_KEY = "hotline.org.memo"
WATCHED: tuple[type, ...] = (Category, Unit)


def memo(db: Session, key: tuple[Hashable, ...], build: Callable[[], T]) -> T:
    """``build()`` once per acting city, key and transaction."""
    from hotline.city.tenancy import current_scope

    store: dict[tuple[Any, ...], Any] = db.info.setdefault(INFO_KEY, {})
    full = (current_scope().id, *key)
    if full not in store:
        store[full] = build()
    return store[full]  # type: ignore[no-any-return]


def category_rows(db: Session) -> list[Any]:
    """The acting city's categories (code, name, parent_code, level, path, retired), by code: one read per transaction
    for the category of every list row and for every category picker of a page."""
    from sqlalchemy import select

    return memo(db, ("category_rows",), lambda: list(db.execute(
        select(Category.code, Category.name, Category.parent_code, Category.level, Category.path, Category.retired)
        .order_by(Category.code)).all()))


def forget(db: Session) -> None:
    db.info.pop(INFO_KEY, None)


@event.listens_for(Session, "after_flush")
def _written(session: Session, _ctx: Any) -> None:
    if INFO_KEY in session.info and any(isinstance(o, WATCHED)
                                        for o in (*session.new, *session.dirty, *session.deleted)):
        forget(session)


@event.listens_for(Session, "do_orm_execute")
def _bulk_written(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and INFO_KEY in state.session.info:
        if any(m.class_ in WATCHED for m in state.all_mappers):
            forget(state.session)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    forget(session)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    forget(session)
