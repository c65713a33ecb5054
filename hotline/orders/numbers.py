"""Human-readable order numbers: city prefix + local date + a per-day sequence (QY2026112200001).

Numbers are unique per city (``uq_orders_city_number``): each city has its own prefix from its
city file (青阳市 QY, 西河县 XH) and its own counter row per day (the counter's key is
``(city_id, day)``).

Intake without waiting (issue #15): on PostgreSQL the counter row is bumped in **its own short
transaction** on a separate pooled connection — one ``INSERT … ON CONFLICT DO UPDATE … RETURNING``
committed at once — so the row lock lasts one statement, not the whole intake with all its hooks.
Concurrent intakes no longer queue on the counter row.  The price is **gaps**: a number taken by
an intake that then fails (a 409, a refused category, a crash) is not given back, so a day's
sequence may skip numbers.  Numbers stay unique and increasing within a city and day; they are
not a count of orders (docs/lifecycle.md, "Order numbers").

SQLite has one writer at a time, so a second connection would wait for the intake's own write
lock: there (and whenever the session is bound to one explicit connection, as the test fixture's
rolled-back transaction is) the counter is bumped with UPDATE … RETURNING inside the caller's
transaction, as before — correct, gap-free, and serialised anyway by the database.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import insert, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from hotline.orders.models import OrderNumberCounter

_INSIDE = "hotline.numbers_inside"  # db.info: the transaction whose city row is its own (see _bump_apart)
_BUMP = text(
    "insert into order_number_counters (city_id, day, last) values (:city, :day, 1) "
    "on conflict (city_id, day) do update set last = order_number_counters.last + 1 "
    "returning last")


def local_day(at: datetime) -> date:
    """The acting city's calendar day of ``at`` (its file's time zone, ``city_tz``)."""
    from hotline.city.service import city_tz

    return at.astimezone(city_tz()).date()


def _prefix() -> str:
    from hotline.city.service import current_city

    return current_city().city.order_number_prefix


def own_transaction(db: Session) -> Engine | None:
    """The engine to take the number from in its own transaction, or None to take it in ``db``'s."""
    bind = db.get_bind()
    if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
        return bind
    return None


def _bump_apart(engine: Engine, day: date) -> int | None:
    """The next number from its own one-statement transaction; None when that would wait.

    It waits only when the city's row is not yet committed (a city created in the caller's own
    transaction: the demo, a city file's first import): then the counter is taken inside the
    caller's transaction instead, since waiting for it would wait for ourselves."""
    from hotline.city.tenancy import current_city_id

    try:
        with engine.connect() as conn, conn.begin():
            conn.execute(text("set local lock_timeout = '500ms'"))
            return int(conn.execute(_BUMP, {"city": current_city_id(), "day": day}).scalar_one())
    except (OperationalError, IntegrityError):
        return None


def _bump_inside(db: Session, day: date) -> int:
    for _ in range(3):
        seq = db.execute(
            update(OrderNumberCounter)
            .where(OrderNumberCounter.day == day)
            .values(last=OrderNumberCounter.last + 1)
            .returning(OrderNumberCounter.last)
        ).scalar()
        if seq is not None:
            return int(seq)
        try:
            with db.begin_nested():
                db.execute(insert(OrderNumberCounter).values(day=day, last=1))
            return 1
        except IntegrityError:
            continue  # someone else created today's row first: bump it instead
    raise RuntimeError("could not allocate an order number")


def next_order_number(db: Session, at: datetime) -> str:
    day = local_day(at)
    engine = own_transaction(db)
    seq = None
    if engine is not None and db.info.get(_INSIDE) is not db.get_transaction():
        seq = _bump_apart(engine, day)
        if seq is None:  # would wait for this very transaction: inside it, for the rest of it
            db.info[_INSIDE] = db.get_transaction()
    if seq is None:
        seq = _bump_inside(db, day)
    return f"{_prefix()}{day:%Y%m%d}{seq:05d}"
