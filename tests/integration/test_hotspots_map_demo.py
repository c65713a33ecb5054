"""The demo's orders get positions inside their territory's polygon (the hotspot map), the same ones on a
rerun, and the map of the seeded demo city shows them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.boundaries import boundaries_of
from hotline.city.loader import DEMO_CITY, load_city
from hotline.db import utcnow
from hotline.demo.hotspots import seed_hotspots
from hotline.demo.map import seed_coordinates
from hotline.hotspots.map import map_data
from hotline.orders.models import Order
from hotline.org.models import Unit, User


def test_demo_orders_lie_inside_their_territory_and_reruns_agree(db: Session) -> None:
    city = load_city(None)
    seed_hotspots(db, city, now=utcnow())
    db.flush()
    placed = seed_coordinates(db, DEMO_CITY, city)
    orders = list(db.scalars(select(Order).where(Order.territory_unit_id.is_not(None))))
    located = [o for o in orders if o.latitude is not None]
    assert placed == len(located) and 0.6 * len(orders) <= placed < len(orders)  # most, not all, have a position
    b = boundaries_of(DEMO_CITY, city)
    assert b is not None
    units = {u.id: u for u in db.scalars(select(Unit))}
    for o in located:
        u = units[o.territory_unit_id or 0]
        street = u if u.code in b.polygons else units[u.parent_id or 0]
        assert b.contains(street.code, o.longitude or 0, o.latitude or 0), (o.number, street.code)
    first = {o.number: (o.latitude, o.longitude) for o in located}
    for o in located:
        o.latitude = o.longitude = None
    db.flush()
    assert seed_coordinates(db, DEMO_CITY, city) == placed
    assert {o.number: (o.latitude, o.longitude) for o in located} == first  # deterministic
    assert seed_coordinates(db, DEMO_CITY, city) == 0  # positions already there are kept
    leader = db.scalar(select(User).where(User.username == "leader"))
    assert leader is not None
    data = map_data(db, user=leader, level="street", days=30)
    assert {p["number"] for p in data["points"]} == set(first)
    assert sum(r["orders"] for r in data["regions"]) == len(orders)
    assert any(r["heat"] > 0 for r in data["regions"]) and data["hot_matters"]
