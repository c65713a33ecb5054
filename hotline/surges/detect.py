"""Finding a day's surges in the acting city and storing them as alerts (worker task and CLI).

Reads the history (``HISTORY_DAYS`` before the day: the shape is fitted on the city's daily totals,
each series' base on its own window; hotline.surges.model), tests every category × territory series
and every open hot matter, and upserts ``surge_alerts`` by (series, day): the same day detected
twice updates the counts of its alerts (never their state) and raises no second notice.  A new
alert is told to the centre's leaders and supervisors through the outbox (in-console inbox).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.hotspots.models import HotMatter, HotMatterOrder
from hotline.hotspots.refresh import EXCLUDED
from hotline.orders.models import Order
from hotline.org.models import AuditLog, Category, Unit
from hotline.outbox.models import OutboxMessage
from hotline.surges import model
from hotline.surges.models import SurgeAlert
from hotline.surges.series import CITY, Hierarchy, Rec, find_surges

HISTORY_DAYS = 400  # the shape's history: more than a year, so every month is seen
HOT_BASE_DAYS = 28  # a hot matter's own window (hot matters live in a 30-day window)
CHART_DAYS = 28  # days before the alert's day drawn on its chart
SYSTEM = "系统"
STREET_TYPES = ("street", "township")
DISTRICT_TYPES = ("district", "county")
RECIPIENTS = ("role:leader", "role:supervisor")


def _is_workday(cal: Any) -> model.IsWorkday:
    def f(d: date) -> bool:
        try:
            return bool(cal.is_workday(d))
        except Exception:  # a year the calendar does not know: Mon–Fri
            return d.weekday() < 5
    return f


def hierarchy(db: Session) -> tuple[Hierarchy, dict[str, str], dict[str, str]]:
    """The category tree and each territory's street and district; names of both for the alerts."""
    cats = list(db.scalars(select(Category)))
    units = {u.id: u for u in db.scalars(select(Unit))}

    def up(uid: int, types: tuple[str, ...]) -> str | None:
        seen: set[int] = set()
        u = units.get(uid)
        while u is not None and u.id not in seen:
            if u.type in types:
                return str(u.id)
            seen.add(u.id)
            u = units.get(u.parent_id) if u.parent_id else None
        return None

    h = Hierarchy(cat_parent={c.code: c.parent_code for c in cats},
                  street_of={str(i): up(i, STREET_TYPES) for i in units},
                  district_of={str(i): up(i, DISTRICT_TYPES) for i in units})
    return h, {c.code: c.name for c in cats}, {str(i): u.name for i, u in units.items()}


def _local(day: date, tz: Any) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def load(db: Session, day: date, tz: Any, *, history_days: int = HISTORY_DAYS) -> list[Rec]:
    since, until = _local(day - timedelta(days=history_days), tz), _local(day + timedelta(days=1), tz)
    q = (select(Order.id, Order.created_at, Order.category_code, Order.territory_unit_id)
         .where(Order.created_at >= since, Order.created_at < until,
                Order.status.not_in([s.value for s in EXCLUDED])))
    return [Rec(i, t.astimezone(tz).date(), c, str(u) if u else None) for i, t, c, u in db.execute(q).all()]


def _chart(counts: dict[date, int], day: date, shape: model.Shape, keys: dict[date, str],
           **kw: Any) -> list[list[Any]]:
    out = []
    for i in range(CHART_DAYS, -1, -1):
        d = day - timedelta(days=i)
        v = model.judge(counts, d, shape, keys, **kw)
        out.append([d.isoformat(), v.observed, v.expected])
    return out


def detect(db: Session, *, day: date, now: datetime, tz: Any, cal: Any) -> dict[str, Any]:
    """Detect ``day``'s surges of the acting city and store them (the caller commits)."""
    recs = load(db, day, tz)
    span = [day - timedelta(days=i) for i in range(HISTORY_DAYS + 1)]
    keys = model.day_keys(span, _is_workday(cal))
    totals = Counter(r.day for r in recs if r.day < day)
    first = min((r.day for r in recs), default=day)
    shape = model.fit_shape({d: totals.get(d, 0) for d in span if first <= d < day}, keys)
    h, cat_names, unit_names = hierarchy(db)
    findings: list[dict[str, Any]] = []
    by_series: dict[tuple[str, str], Counter[date]] = defaultdict(Counter)
    found = find_surges(recs, day, h, shape, keys)
    if found:
        from hotline.surges.series import assign

        for k, per_day in assign(recs, day, h).items():
            by_series[k] = Counter({d: len(ids) for d, ids in per_day.items()})
    for f in found:
        counts = dict(by_series[(f.category, f.territory)])
        where = unit_names.get(f.territory, "全市") if f.territory != CITY else "全市"
        name = f"{cat_names.get(f.category, f.category)} · {where}"
        streets = Counter(h.street_of.get(r.territory or "") for r in recs if r.id in set(f.order_ids))
        top, n = streets.most_common(1)[0] if streets else (None, 0)
        if top and top != f.territory and n >= 0.6 * len(f.order_ids):
            name += f"（主要在{unit_names.get(top, top)}）"
        findings.append({"kind": "series", "key": f"cat:{f.category}@{f.territory}", "name": name[:200],
                         "category": f.category, "territory": None if f.territory == CITY else int(f.territory),
                         "hot": None, "v": f.verdict, "ids": list(f.order_ids),
                         "chart": _chart(counts, day, shape, keys)})
    findings.extend(_hot_matters(db, recs, day, shape, keys))
    made = updated = 0
    for row in findings:
        a = db.scalar(select(SurgeAlert).where(SurgeAlert.series_key == row["key"], SurgeAlert.day == day))
        verdict: model.Verdict = row["v"]
        if a is None:
            a = SurgeAlert(kind=row["kind"], series_key=row["key"], name=row["name"], category_code=row["category"],
                           territory_unit_id=row["territory"], hot_matter_id=row["hot"], day=day, state="open",
                           created_at=now)
            db.add(a)
            made += 1
        elif (a.observed, a.order_ids) == (verdict.observed, row["ids"]):
            continue
        else:
            updated += 1
        a.observed, a.expected, a.score, a.p_value = verdict.observed, verdict.expected, verdict.score, verdict.p_value
        a.order_ids, a.series, a.updated_at = row["ids"], row["chart"], now
        db.flush()
        if a.created_at == now:
            _announce(db, a, now)
    return {"day": day.isoformat(), "orders": len(recs), "alerts_new": made, "alerts_updated": updated,
            "found": len(findings), "shape": shape.as_dict()}


def _hot_matters(db: Session, recs: list[Rec], day: date, shape: model.Shape,
                 keys: dict[date, str]) -> list[dict[str, Any]]:
    """Each open hot matter's own daily counts against its own level."""
    days = {r.id: r.day for r in recs}
    matters = {m.id: m for m in db.scalars(select(HotMatter).where(HotMatter.active.is_(True),
                                                                   HotMatter.state == "open"))}
    members: dict[int, list[int]] = defaultdict(list)
    if matters:
        for mid, oid in db.execute(select(HotMatterOrder.hot_matter_id, HotMatterOrder.order_id)
                                   .where(HotMatterOrder.hot_matter_id.in_(list(matters)))).all():
            members[mid].append(oid)
    out = []
    for mid, ids in sorted(members.items()):
        counts = Counter(days[i] for i in ids if i in days)
        if counts.get(day, 0) < model.MIN_COUNT:
            continue
        v = model.judge(dict(counts), day, shape, keys, base_days=HOT_BASE_DAYS)
        if v.surge:
            out.append({"kind": "hot_matter", "key": f"hot:{mid}", "name": f"热点：{matters[mid].name}"[:200],
                        "category": None, "territory": None, "hot": mid, "v": v,
                        "ids": sorted(i for i in ids if days.get(i) == day),
                        "chart": _chart(dict(counts), day, shape, keys, base_days=HOT_BASE_DAYS)})
    return out


def _announce(db: Session, a: SurgeAlert, now: datetime) -> None:
    db.add(AuditLog(actor_id=None, actor_label=SYSTEM, action="surge.raised", entity="surge_alert",
                    entity_id=str(a.id), at=now, data={"series": a.series_key, "day": a.day.isoformat(),
                                                       "observed": a.observed, "expected": a.expected}))
    payload = {"name": a.name, "day": a.day.isoformat(), "observed": a.observed, "expected": a.expected,
               "url": f"/surges/{a.id}"}
    for r in RECIPIENTS:
        db.add(OutboxMessage(topic="surge.raised", channel="inbox", recipient=r, payload=payload,
                             dedupe_key=f"surge:{a.id}:{r}"))


EVERY = timedelta(hours=1)
_last_run: dict[int, datetime] = {}


def surges_task(*, now: datetime) -> dict[str, Any]:
    """The worker's maintenance task, at most hourly per city: yesterday (now complete) and today so far."""
    from hotline.city.service import city_tz
    from hotline.city.tenancy import current_scope
    from hotline.db import session_factory
    from hotline.sla.service import bound

    city = current_scope().id or 0
    if city in _last_run and timedelta(0) <= now - _last_run[city] < EVERY:
        return {"skipped": "fresh"}
    _last_run[city] = now
    tz = city_tz()
    today = now.astimezone(tz).date()
    out: dict[str, Any] = {}
    with session_factory()() as db:
        _, cal = bound()
        try:
            for d in (today - timedelta(days=1), today):
                r = detect(db, day=d, now=now, tz=tz, cal=cal)
                out[d.isoformat()] = {k: r[k] for k in ("alerts_new", "alerts_updated")}
            db.commit()
        except Exception:  # a race with another worker (the unique key) or worse: the next pass tries again
            db.rollback()
            _last_run.pop(city, None)
            raise
    return out
