"""The hotspot map (issue #16 item 5): a choropleth of the city's territories (districts → streets) with
the orders that have coordinates as points and the hot matters as bigger points.

* ``GET /api/v1/hotspots/map?level=district|street&days=7|30|90&measure=orders|heat[&territory=CODE]`` —
  per-territory counts, the points (at most ``MAX_POINTS``, sampled), the hot matters with a position, and
  with ``territory`` that region's latest orders and hot matters.  The page ``/hotspots/map`` renders the
  same payload (``map_data``), so the table beside the map and the API cannot disagree.
* ``GET /api/v1/hotspots/map/boundaries`` — the city's GeoJSON (``boundaries:`` in the city file), as is,
  with an ETag (the file's hash) and ``304 Not Modified``; ECharts ``registerMap``s it in the browser.

Nothing leaves the server: no map tiles, no geocoding; the boundary file is the city's own.
Read by leaders and supervisors, scoped to the acting city (every query goes through the city's scope).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.city.boundaries import Boundaries, BoundaryError, boundaries_of
from hotline.city.loader import DEMO_CITY, resolve_ref
from hotline.city.service import acting_city_file, city_tz, current_city
from hotline.db import utcnow
from hotline.errors import BadRequest, NotFound
from hotline.hotspots.models import HotMatter, HotMatterOrder
from hotline.hotspots.service import check_role
from hotline.orders.enums import STATUS_ZH
from hotline.orders.models import Order
from hotline.org.deps import CurrentUser, SessionDep
from hotline.org.models import Unit, User
from hotline.web.pages import PageUser
from hotline.web.templating import render

MAP_ROLES = ("leader", "supervisor")
PERIODS = (7, 30, 90)
LEVELS = ("district", "street")
MEASURES = ("orders", "heat")
MAX_POINTS = 2000  # points sent to the browser: above it, every k-th order (by id) so the sample spreads evenly
MAX_HOT = 100  # hot matters drawn as points (the hottest)
REGION_ORDERS = 50  # a clicked region's latest orders listed
STREET_TYPES = ("street", "township")

_STATUS_ZH: dict[str, str] = {s.value: zh for s, zh in STATUS_ZH.items()}
Level = Literal["district", "street"]
Measure = Literal["orders", "heat"]


def city_boundaries() -> Boundaries | None:
    """The acting city's boundaries (None when its city file names none)."""
    ref = acting_city_file()
    path = resolve_ref(ref) if ref else DEMO_CITY
    try:
        return boundaries_of(Path(path), current_city())
    except BoundaryError:  # checked at load; a file changed under a running server is shown as no map
        return None


def _region_of(units: dict[int, Unit], level: str) -> dict[int, Unit]:
    """Each unit id → the territory at ``level`` it lies in (itself, or an ancestor).  A street level region
    is a street or township; a district level region is a district or, where a township has no district
    above it (a county's townships), that top-level township."""
    out: dict[int, Unit] = {}
    for uid, u in units.items():
        chain: list[Unit] = []
        cur: Unit | None = u
        while cur is not None and len(chain) < 10:
            chain.append(cur)
            cur = units.get(cur.parent_id) if cur.parent_id else None
        if level == "street":
            hit = next((c for c in chain if c.type in STREET_TYPES), None)
        else:
            hit = next((c for c in chain if c.type == "district"), None)
            if hit is None:
                hit = next((c for c in reversed(chain) if c.type in STREET_TYPES), None)
        if hit is not None:
            out[uid] = hit
    return out


def _regions(units: dict[int, Unit], level: str) -> list[Unit]:
    region = _region_of(units, level)
    return sorted({r.id: r for r in region.values()}.values(), key=lambda u: u.code)


def _categories() -> tuple[dict[str, str], list[dict[str, str]]]:
    """leaf or any code → its top-level category code; the top-level categories (legend of the points)."""
    top: dict[str, str] = {}
    for root in current_city().categories:
        stack = [root]
        while stack:
            c = stack.pop()
            top[c.code] = root.code
            stack.extend(c.children)
    return top, [{"code": c.code, "name": c.name} for c in current_city().categories]


def map_data(db: Session, *, user: User, level: str = "district", days: int = 30, measure: str = "orders",
             territory: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    """The map's payload: regions with their counts, points, hot matters, and a clicked region's contents."""
    check_role(user, MAP_ROLES)
    now = now or utcnow()
    since = now - timedelta(days=days)
    units = {u.id: u for u in db.scalars(select(Unit))}
    region = _region_of(units, level)
    bounds = city_boundaries()
    drawn = set(bounds.polygons) if bounds else set()

    counts: Counter[int] = Counter()
    for tid, n in db.execute(select(Order.territory_unit_id, func.count(Order.id))
                             .where(Order.created_at >= since, Order.territory_unit_id.is_not(None))
                             .group_by(Order.territory_unit_id)):
        if tid in region:
            counts[region[tid].id] += int(n)

    # hot matters active in the period: their heat shared among the regions of their orders
    matters = list(db.scalars(select(HotMatter).where(HotMatter.kind == "place", HotMatter.active.is_(True),
                                                      HotMatter.last_at >= since)
                              .order_by(HotMatter.heat.desc(), HotMatter.id)))
    members: dict[int, list[tuple[int | None, float | None, float | None]]] = defaultdict(list)
    if matters:
        for mid, tid, lat, lon in db.execute(
                select(HotMatterOrder.hot_matter_id, Order.territory_unit_id, Order.latitude, Order.longitude)
                .join(Order, Order.id == HotMatterOrder.order_id)
                .where(HotMatterOrder.hot_matter_id.in_([m.id for m in matters]))):
            members[mid].append((tid, lat, lon))
    heat: dict[int, float] = defaultdict(float)
    matters_in: dict[int, list[HotMatter]] = defaultdict(list)
    hot_points: list[dict[str, Any]] = []
    for m in matters:
        rows = members.get(m.id, [])
        per = Counter(region[t].id for t, _, _ in rows if t in region)
        for rid, n in per.items():
            heat[rid] += m.heat * n / len(rows)
            matters_in[rid].append(m)
        pos = [(lat, lon) for _, lat, lon in rows if lat is not None and lon is not None]
        if pos and len(hot_points) < MAX_HOT:
            hot_points.append({"id": m.id, "name": m.name, "heat": round(m.heat, 1), "size": m.size,
                               "lat": round(sum(p[0] for p in pos) / len(pos), 6),
                               "lon": round(sum(p[1] for p in pos) / len(pos), 6)})

    regions = [{"code": u.code, "name": u.name, "short_name": u.short_name or u.name, "orders": counts[u.id],
                "heat": round(heat[u.id], 1), "hot_matters": len(matters_in[u.id]), "drawn": u.code in drawn}
               for u in _regions(units, level)]

    # points: orders with coordinates, bounded and sampled evenly by id
    located = (Order.created_at >= since, Order.latitude.is_not(None), Order.longitude.is_not(None))
    total = db.scalar(select(func.count(Order.id)).where(*located)) or 0
    step = -(-total // MAX_POINTS) if total > MAX_POINTS else 1
    q = select(Order.number, Order.latitude, Order.longitude, Order.category_code, Order.territory_unit_id).where(*located)
    if step > 1:
        q = q.where(Order.id % step == 0)
    top, cats = _categories()
    points = [{"number": num, "lat": lat, "lon": lon, "category": top.get(cat or "", ""),
               "territory": region[tid].code if tid in region else None}
              for num, lat, lon, cat, tid in db.execute(q.order_by(Order.id).limit(MAX_POINTS))]

    out: dict[str, Any] = {
        "level": level, "days": days, "measure": measure, "since": since.isoformat(), "regions": regions,
        "points": points, "points_total": total, "points_sampled": step > 1, "max_points": MAX_POINTS,
        "hot_matters": hot_points, "categories": cats, "boundaries": bounds is not None}
    if territory is not None:
        out["territory"] = region_detail(db, units=units, level=level, code=territory, since=since,
                                         matters=matters_in)
    return out


def region_detail(db: Session, *, units: dict[int, Unit], level: str, code: str, since: datetime,
                  matters: dict[int, list[HotMatter]]) -> dict[str, Any]:
    """A clicked region: its latest orders in the period and the hot matters with orders in it."""
    region = _region_of(units, level)
    target = next((u for u in set(region.values()) if u.code == code), None)
    if target is None:
        raise NotFound("map_territory_not_found", "该层级下没有这个属地", "no such territory at this level")
    inside = [uid for uid, r in region.items() if r.id == target.id]
    orders = list(db.scalars(select(Order).where(Order.created_at >= since, Order.territory_unit_id.in_(inside))
                             .order_by(Order.created_at.desc(), Order.id.desc()).limit(REGION_ORDERS)))
    total = db.scalar(select(func.count(Order.id)).where(Order.created_at >= since,
                                                         Order.territory_unit_id.in_(inside))) or 0
    tz = city_tz()
    return {"code": target.code, "name": target.name, "orders_total": total,
            "orders": [{"number": o.number, "title": o.title, "status": o.status,
                        "status_zh": _STATUS_ZH.get(o.status, o.status),
                        "created_at": o.created_at.astimezone(tz).isoformat()} for o in orders],
            "hot_matters": [{"id": m.id, "name": m.name, "heat": round(m.heat, 1), "size": m.size}
                            for m in matters.get(target.id, [])]}


# ── API ───────────────────────────────────────────────────────────────────────

router = APIRouter(prefix="/api/v1/hotspots", tags=["hotspots"])

LevelQ = Annotated[Level, Query(description="district: 区县 (a county's townships); street: 街道/乡镇")]
DaysQ = Annotated[int, Query(description="period: the last 7, 30 or 90 days")]
MeasureQ = Annotated[Measure, Query(description="orders: 工单数; heat: 热点热度 shared by the matters' orders")]


@router.get("/map", summary="热点地图 · per-territory counts and points (at most 2000 points, sampled evenly)")
def map_api(db: SessionDep, user: CurrentUser, level: LevelQ = "district", days: DaysQ = 30,
            measure: MeasureQ = "orders",
            territory: Annotated[str | None, Query(max_length=64, description="a region's code: its orders")] = None,
            ) -> dict[str, Any]:
    if days not in PERIODS:
        raise BadRequest("map_days", "周期须为7、30或90天", "the period is 7, 30 or 90 days", field="days")
    return map_data(db, user=user, level=level, days=days, measure=measure, territory=territory)


@router.get("/map/boundaries", summary="热点地图边界 · the city's GeoJSON (ETag, 304)",
            response_class=Response, responses={200: {"content": {"application/geo+json": {}}}})
def map_boundaries(request: Request, user: CurrentUser) -> Response:
    check_role(user, MAP_ROLES)
    b = city_boundaries()
    if b is None:
        raise NotFound("map_no_boundaries", "本市城市文件未配置边界文件（boundaries）",
                       "The city file names no boundary file (boundaries)")
    headers = {"ETag": b.etag, "Cache-Control": "private, max-age=300"}
    if b.etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(b.raw, media_type="application/geo+json", headers=headers)


# ── page ──────────────────────────────────────────────────────────────────────

pages = APIRouter(include_in_schema=False)


def _choice(value: str | None, allowed: tuple[Any, ...], default: Any) -> Any:
    """A page's picker value: a wrong one falls back to the default (a page, not a 422)."""
    for a in allowed:
        if value == str(a):
            return a
    return default


@pages.get("/hotspots/map")
def map_page(request: Request, db: SessionDep, user: PageUser, level: str | None = None, days: str | None = None,
             measure: str | None = None, territory: Annotated[str | None, Query(max_length=64)] = None) -> Response:
    lv = _choice(level, LEVELS, "district")
    d = _choice(days, PERIODS, 30)
    me = _choice(measure, MEASURES, "orders")
    try:
        data = map_data(db, user=user, level=lv, days=d, measure=me, territory=territory or None)
    except NotFound:
        data = map_data(db, user=user, level=lv, days=d, measure=me)
    return render(request, "hotspots_map.html", {"data": data, "level": lv, "days": d, "measure": me,
                                                 "periods": PERIODS})
