"""The demo's long history and its live surge (issue #16 item 3).

Why: the demo's own orders cover only the last 30 days, too little to learn a week, a season or a
holiday.  ``generate_history`` draws more than a year of daily volumes with a real shape — Mondays
high and Sundays low, a summer peak and a quiet February, statutory holidays at half volume, 调休
Saturdays as working days, a rebound after 国庆 and 春节 — from the demo's own demand texts
(hotline/demo/data); ``seed_history`` inserts them in bulk as archived (closed) historical orders,
the way a city's import of its old system leaves them (channel ``import``, no clock, no notices).
``seed_surge`` then puts a burst of 停水 in one street over the last two days through the real
intake flow and runs the detection, so /surges, the supervisor board and the leader's dashboard show a
live alert.  The bench (bench/surges.py) uses the same generator with injected surges.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from hotline.city.schema import CityFile

#: the generator's truth (the model does not see it: it fits its own factors)
WEEK = {"mon": 1.3, "tue": 1.12, "wed": 1.05, "thu": 1.0, "fri": 0.95, "sat": 0.62, "sun": 0.55}
SPECIAL = {"holiday": 0.45, "makeup": 1.0, "after": 1.45}
MONTH = {1: 0.9, 2: 0.75, 3: 0.92, 4: 0.95, 5: 1.0, 6: 1.1, 7: 1.22, 8: 1.25, 9: 1.05, 10: 0.95, 11: 0.93, 12: 0.98}
PER_DAY = 11.0  # a mean day (the demo's 30 days hold about 11 orders a day)
HISTORY_DAYS = 400
RECENT_DAYS = 31  # the demo's own orders cover these; the history stops before them
DISPERSION = 40.0  # day-to-day noise beyond Poisson (Gamma shape): weather, news
SURGE_LEAF = "010501"  # 停水


@dataclass(frozen=True)
class Injected:
    day: date
    n: int
    category: str
    territory: str  # a community code
    cluster: int  # injections with the same number are one event (over consecutive days)


def rate(d: date, key: str, per_day: float = PER_DAY) -> float:
    return per_day * (WEEK.get(key) or SPECIAL[key]) * MONTH[d.month]


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    k, p, limit = 0, 1.0, math.exp(-lam)
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def generate_history(city: CityFile, *, first: date, last: date, is_workday: Callable[[date], bool], seed: int = 3,
                     per_day: float = PER_DAY, injections: list[Injected] | None = None,
                     pool_size: int = 1500) -> list[tuple[date, Any]]:
    """(local day, DemandText) for every day in ``first..last``, plus the injected surges' demands."""
    from hotline.demo.texts import generate_demands, generate_duplicate_cluster
    from hotline.surges.model import day_keys

    rng = random.Random(seed)
    pool = generate_demands(city, pool_size, seed=seed + 1000)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    keys = day_keys(days, is_workday)
    out: list[tuple[date, Any]] = []
    for d in days:
        lam = rate(d, keys[d], per_day) * rng.gammavariate(DISPERSION, 1 / DISPERSION)
        out.extend((d, rng.choice(pool)) for _ in range(_poisson(rng, lam)))
    for inj in injections or []:
        base = next((p for p in pool if p.category_code == inj.category and p.territory_code == inj.territory), None)
        if base is None:
            base = _base_for(city, inj, pool)
        out.extend((inj.day, x) for x in generate_duplicate_cluster(city, base, inj.n, seed=seed * 1000 + inj.cluster
                                                                     + inj.day.toordinal()))
    return out


def _base_for(city: CityFile, inj: Injected, pool: list[Any]) -> Any:
    """A demand of the injection's leaf, moved to its community (same words, another place)."""
    from dataclasses import replace

    same = [p for p in pool if p.category_code == inj.category] or pool
    return replace(same[0], territory_code=inj.territory)


def random_injections(city: CityFile, *, first: date, last: date, count: int, seed: int,
                      is_workday: Callable[[date], bool] | None = None) -> list[Injected]:
    """``count`` surges at random days, leaves and communities: 2 days each, 2–6 extra orders a day."""
    from hotline.demo.texts import leaf_codes_with_templates

    rng = random.Random(seed * 7919)
    leaves = sorted(leaf_codes_with_templates())
    communities = sorted(u.code for u in city.units if u.type == "community")
    span = (last - first).days
    out: list[Injected] = []
    for k in range(count):
        d = first + timedelta(days=rng.randrange(span - 1))
        cat, terr = rng.choice(leaves), rng.choice(communities)
        for j in range(2):
            out.append(Injected(d + timedelta(days=j), rng.randint(2, 6), cat, terr, k))
    return out


def _at(rng: random.Random, d: date, tz: Any) -> datetime:
    minute = int(min(max(rng.gauss(13 * 60, 200), 0), 24 * 60 - 1))  # calls peak in the working day
    return datetime.combine(d, time(minute // 60, minute % 60), tzinfo=tz)


def seed_history(db: Any, city: CityFile, *, now: datetime, seed: int = 3, days: int = HISTORY_DAYS) -> int:
    """Archived historical orders for ``days`` before the demo's 30 days, inserted in bulk."""
    from sqlalchemy import insert, select

    from hotline.city.service import city_tz
    from hotline.orders.models import Assignment, Order, OrderNumberCounter
    from hotline.org.models import Unit
    from hotline.sla.service import bound

    tz = city_tz()
    _, cal = bound()
    today = now.astimezone(tz).date()
    last, first = today - timedelta(days=RECENT_DAYS), today - timedelta(days=days)
    rows = generate_history(city, first=first, last=last, is_workday=_safe(cal), seed=seed)
    units = {u.code: u.id for u in db.scalars(select(Unit))}
    prefix = city.city.order_number_prefix
    rng = random.Random(seed)
    seq: dict[date, int] = {}
    orders, links = [], []
    for d, t in sorted(rows, key=lambda x: x[0]):
        seq[d] = seq.get(d, 0) + 1
        at = _at(rng, d, tz)
        done = at + timedelta(hours=rng.uniform(4, 70))
        lead = units.get(t.lead_unit_code)
        orders.append({"number": f"{prefix}{d:%Y%m%d}{seq[d]:05d}", "channel": "import",
                       "kind": t.kind.value, "category_code": t.category_code, "title": t.title, "content": t.content,
                       "citizen_name": t.citizen_name, "citizen_phone": t.phone, "anonymous": t.anonymous,
                       "confidential": t.confidential, "address": t.address,
                       "territory_unit_id": units.get(t.territory_code), "urgency": t.urgency, "status": "closed",
                       "lead_unit_id": lead, "created_at": at, "updated_at": done, "first_dispatched_at": at,
                       "dispatched_at": at, "signed_at": at, "replied_at": done, "completed_at": done,
                       "closed_at": done, "resolution_note": "历史工单（演示数据）", "version": 1})
        links.append({"unit_id": lead, "role": "lead", "active": False, "assigned_at": at,
                      "signed_at": at, "replied_at": done, "ended_at": done, "end_reason": "closed"})
    ids: list[int] = []
    for start in range(0, len(orders), 2000):
        ids.extend(db.scalars(insert(Order).returning(Order.id, sort_by_parameter_order=True),
                              orders[start:start + 2000]))
    assigned = [{**a, "order_id": i} for i, a in zip(ids, links, strict=True) if a["unit_id"]]
    for start in range(0, len(assigned), 2000):
        db.execute(insert(Assignment), assigned[start:start + 2000])
    db.execute(insert(OrderNumberCounter), [{"day": d, "last": n} for d, n in sorted(seq.items())])
    return len(orders)


def _safe(cal: Any) -> Callable[[date], bool]:
    def f(d: date) -> bool:
        try:
            return bool(cal.is_workday(d))
        except Exception:
            return d.weekday() < 5
    return f


def seed_surge(db: Any, city: CityFile, *, now: datetime, seed: int = 16) -> dict[str, Any]:
    """A burst of 停水 in one street over the last two days (real intake), then the day's detection."""
    from sqlalchemy import select

    from hotline.city.service import city_tz
    from hotline.demo.texts import generate_demands, generate_duplicate_cluster
    from hotline.orders.actor import Actor
    from hotline.orders.flows import do_create_order
    from hotline.org.models import User
    from hotline.sla.service import bound
    from hotline.surges.detect import detect

    user = db.scalar(select(User).where(User.role == "operator").order_by(User.id).limit(1))
    if user is None:
        return {}
    op = Actor.of(user)
    base = next(d for d in generate_demands(city, 600, seed=seed) if d.category_code == SURGE_LEAF)
    tz = city_tz()
    today = now.astimezone(tz).date()
    made = 0
    for back, n in ((1, 7), (0, 8)):
        day_start = datetime.combine(today - timedelta(days=back), time(7, 0), tzinfo=tz)
        if back == 0 and now - day_start < timedelta(hours=2):  # early in the day: since midnight
            day_start = datetime.combine(today, time(0, 0), tzinfo=tz)
        span = max(min((now - day_start).total_seconds() / 3600 - 0.2, 12.0), 0.1)
        for k, d in enumerate(generate_duplicate_cluster(city, base, n, seed=seed + back)):
            at = min(day_start + timedelta(hours=span * (k + 1) / (n + 1)), now - timedelta(minutes=5))
            do_create_order(db, actor=op, now=at, data={
                "kind": "help", "title": d.title, "content": d.content, "category_code": d.category_code,
                "citizen_name": d.citizen_name, "citizen_phone": d.phone, "address": d.address,
                "territory_code": d.territory_code, "urgency": "urgent"})
            made += 1
    db.flush()
    _, cal = bound()
    out = {}
    for back in (1, 0):
        out = detect(db, day=today - timedelta(days=back), now=now, tz=tz, cal=cal)
    return {"surge_orders": made, "surge_alerts": out.get("alerts_new", 0)}
