"""Coordinates for the demo's orders (the hotspot map, issue #16 item 5).

The demo cities are invented and so are their boundaries (``boundaries.geojson`` beside each city file,
drawn by ``scripts/make_demo_boundaries.py``).  Each seeded order with a territory gets a point inside
its street's (else its district's) polygon — the same address near the same spot, so callers about one
place cluster — the way an intake's map pick or an app report would; about
one in eight is left without, like a phone call with no position.  Deterministic: the random stream of
each order is seeded by its number, so a rerun places it at the same spot.
"""

from __future__ import annotations

import random
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.boundaries import Boundaries, boundaries_of
from hotline.city.schema import CityFile
from hotline.orders.models import Order
from hotline.org.models import Unit

UNLOCATED = 0.12  # share of orders left without coordinates
JITTER = 0.002  # degrees (about 200 m) around an address's spot


def _inside(bounds: Boundaries, code: str, rng: random.Random) -> tuple[float, float] | None:
    """A point inside ``code``'s polygon (rejection sampling in its box)."""
    x0, y0, x1, y1 = bounds.bbox(code)
    for _ in range(200):
        lon, lat = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if bounds.contains(code, lon, lat):
            return lon, lat
    return None


def seed_coordinates(db: Session, city_path: Path, city: CityFile) -> int:
    """Give the acting city's orders that have a territory and no position one inside its polygon."""
    bounds = boundaries_of(city_path, city)
    if bounds is None:
        return 0
    units = {u.id: u for u in db.scalars(select(Unit))}

    def polygon_code(uid: int) -> str | None:
        cur = units.get(uid)
        for _ in range(10):  # the nearest unit with a polygon: the community's street, else the district
            if cur is None:
                return None
            if cur.code in bounds.polygons:
                return cur.code
            cur = units.get(cur.parent_id) if cur.parent_id else None
        return None

    placed = 0
    for o in db.scalars(select(Order).where(Order.territory_unit_id.is_not(None), Order.latitude.is_(None))
                        .order_by(Order.id)):
        rng = random.Random(o.number)
        code = polygon_code(o.territory_unit_id or 0)
        if code is None or rng.random() < UNLOCATED:
            continue
        # the same address, the same spot (callers about one place cluster, as a hot matter does), then a
        # few metres' jitter of the order's own
        base = _inside(bounds, code, random.Random(f"{code}|{o.address or o.number}"))
        if base is None:
            continue
        lon, lat = base
        for _ in range(20):
            jl, jt = lon + rng.uniform(-JITTER, JITTER), lat + rng.uniform(-JITTER, JITTER)
            if bounds.contains(code, jl, jt):
                lon, lat = jl, jt
                break
        o.latitude, o.longitude = round(lat, 6), round(lon, 6)
        placed += 1
    db.flush()
    return placed
