"""Cross-city hot matters on the province's page (issue #13 item 3): the same grouping as the CLI
over the newest orders of every city, read in the province's all-cities scope.

Why a bounded, cached computation: the page is read often and the grouping segments every text;
the newest ``LIMIT`` orders of the window are grouped once per change of the orders (the key is each
city's count and newest id), so a reload costs a lookup.  Incremental grouping at intake, with hot
matters stored as entities, is issue #16's next step (docs/hotspots.md).
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.city.service import cities
from hotline.hotspots import grouping
from hotline.orders.enums import TRANSFER_SUPERSEDED
from hotline.orders.models import Order

#: a 转办 leaves two orders for one demand: only the live one is grouped (orders.enums.TRANSFER_SUPERSEDED)
SUPERSEDED = tuple(s.value for s in TRANSFER_SUPERSEDED)
WINDOW_DAYS = 30
LIMIT = 400  # newest orders grouped
SHOWN = 10
_cache: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
_lock = threading.Lock()


def cross_city(db: Session, now: datetime) -> list[dict[str, Any]]:
    """Groups of two or more orders in the window, hottest first, each with the cities it spans."""
    since = now - timedelta(days=WINDOW_DAYS)
    live = (Order.created_at >= since, Order.status.not_in(SUPERSEDED))
    key_rows = db.execute(select(Order.city_id, func.count(), func.max(Order.id), func.max(Order.updated_at))
                          .where(*live).group_by(Order.city_id)).all()
    key = (now.date(), tuple(sorted(tuple(r) for r in key_rows)))
    with _lock:
        if key in _cache:
            return _cache[key]
    every = sorted(cities(db), key=lambda c: c.id)
    names = {c.id: c.name for c in every}
    rank = {c.id: k for k, c in enumerate(every)}
    rows = db.execute(select(Order.number, Order.title, Order.content, Order.created_at, Order.city_id,
                             Order.citizen_phone, Order.territory_unit_id)
                      .where(*live).order_by(Order.id.desc()).limit(LIMIT)).all()
    items = [grouping.Item(id=r.number, text=f"{r.title}\n{r.content}", time=r.created_at, title=r.title,
                           caller=f"{r.city_id}:{r.citizen_phone}" if r.citizen_phone else None,
                           # units are each city's own: the same code in two cities is two places
                           territory=f"{r.city_id}:{r.territory_unit_id}" if r.territory_unit_id else None)
             for r in rows]
    city_of = {r.number: r.city_id for r in rows}
    out = []
    for g in grouping.group(items, window_days=WINDOW_DAYS, now=now):
        if len(g.ids) < 2:
            continue
        spans = [names.get(c, "") for c in sorted({city_of[i] for i in g.ids}, key=lambda c: rank.get(c, c))]
        out.append({"name": g.name, "heat": g.heat, "size": len(g.ids), "cities": spans, "first": g.first,
                    "last": g.last, "numbers": g.ids[:5]})
        if len(out) >= SHOWN:
            break
    with _lock:
        _cache.clear()
        _cache[key] = out
    return out


def panel(db: Session, user: Any, now: datetime) -> dict[str, Any]:
    """The ``province.panels`` extension: the template and its context."""
    return {"template": "hotspots_province.html", "ctx": {"hot_matters": cross_city(db, now)}}
