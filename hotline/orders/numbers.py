"""Human-readable order numbers: city prefix + local date + a per-day sequence (QY2026112200001).

Numbers are unique per city (``uq_orders_city_number``): each city has its own prefix from its
city file (青阳市 QY, 西河县 XH) and its own counter row per day (the counter's key is
``(city_id, day)``; the scoping criteria keep the UPDATE to the acting city's row).  The row is
bumped with UPDATE … RETURNING so two intakes at the same moment never get the same number on
either database.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.orders.models import OrderNumberCounter


def local_day(at: datetime) -> date:
    """The acting city's calendar day of ``at`` (its file's time zone, ``city_tz``)."""
    from hotline.city.service import city_tz

    return at.astimezone(city_tz()).date()


def _prefix() -> str:
    from hotline.city.service import current_city

    return current_city().city.order_number_prefix


def next_order_number(db: Session, at: datetime) -> str:
    day = local_day(at)
    for _ in range(3):
        seq = db.execute(
            update(OrderNumberCounter)
            .where(OrderNumberCounter.day == day)
            .values(last=OrderNumberCounter.last + 1)
            .returning(OrderNumberCounter.last)
        ).scalar()
        if seq is None:
            try:
                with db.begin_nested():
                    db.execute(insert(OrderNumberCounter).values(day=day, last=1))
                seq = 1
            except IntegrityError:
                continue  # someone else created today's row first: bump it instead
        return f"{_prefix()}{day:%Y%m%d}{seq:05d}"
    raise RuntimeError("could not allocate an order number")
