"""Surges on the demo's generated history: detection rate and false alarms per month, beside fixed thresholds.

    python bench/surges.py [--json] [--seeds 5] [--days 180]

For each seed, the demo generator (hotline/demo/surges.py) draws 400+ days of the demo city's demands
with its weekly, seasonal and holiday shape (about 11 a day), and injects ``--injections`` surges in
the evaluated span: a random leaf category in a random community, 2–6 extra orders a day on two
consecutive days (the same matter told by different callers).  Every day of the span is then tested
as the worker tests it (hotline.surges.series.find_surges, the shape refitted each month on the days
before).  An injected surge is *detected* when on one of its two days an alert holds at least half of
that day's injected orders; an alert holding none of them is a *false alarm*.

Methods, in the same run on the same data:
- ``model``: expected = base × weekday/holiday × month, negative-binomial tail ≤ α (α = 1e-4; and 1e-3);
- ``fixed 3σ``: the same series, alert when the day's count > mean + 3σ of the raw base window;
- ``fixed count``: the same series, alert when a day has at least 6 orders.
Every method needs the same minimum of 5 orders a day.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hotline.city.loader import load_city  # noqa: E402
from hotline.city.schema import CategoryDef  # noqa: E402
from hotline.demo.surges import generate_history, random_injections  # noqa: E402
from hotline.sla.calendar import WorkCalendar  # noqa: E402
from hotline.surges import model  # noqa: E402
from hotline.surges.series import Hierarchy, Rec, assign  # noqa: E402

END = date(2026, 11, 30)
HISTORY = 400
METHODS = ("model α=1e-4", "model α=1e-3", "fixed 3σ", "fixed count ≥6")


def hierarchy(city: Any) -> Hierarchy:
    units = {u.code: u for u in city.units}

    def up(code: str, types: tuple[str, ...]) -> str | None:
        u = units.get(code)
        while u is not None:
            if u.type.value in types:
                return u.code
            u = units.get(u.parent) if u.parent else None
        return None

    parents: dict[str, str | None] = {}

    def walk(c: CategoryDef, parent: str | None) -> None:
        parents[c.code] = parent
        for ch in c.children:
            walk(ch, c.code)

    for c in city.categories:
        walk(c, None)
    return Hierarchy(cat_parent=parents, street_of={c: up(c, ("street", "township")) for c in units},
                     district_of={c: up(c, ("district", "county")) for c in units})


def run_seed(city: Any, h: Hierarchy, seed: int, days: int, injections: int) -> dict[str, Any]:
    cal = WorkCalendar()
    first, eval_first = END - timedelta(days=HISTORY + days), END - timedelta(days=days - 1)
    inj = random_injections(city, first=eval_first, last=END, count=injections, seed=seed)
    normal = generate_history(city, first=first, last=END, is_workday=cal.is_workday, seed=seed)
    extra = generate_history(city, first=first, last=END, is_workday=cal.is_workday, seed=seed, per_day=0,
                             injections=inj)
    recs: list[Rec] = []
    injected: dict[tuple[int, date], set[int]] = defaultdict(set)  # (event, day) → order ids
    for d, t in normal:
        recs.append(Rec(len(recs), d, t.category_code, t.territory_code))
    # the injections' orders, in the order generate_history appends them (event by event, day by day)
    k = 0
    for i in inj:
        for _ in range(i.n):
            d, t = extra[k]
            k += 1
            injected[(i.cluster, i.day)].add(len(recs))
            recs.append(Rec(len(recs), d, t.category_code, t.territory_code))
    all_injected = set().union(*injected.values()) if injected else set()
    span = [first + timedelta(days=i) for i in range((END - first).days + 1)]
    keys = model.day_keys(span, cal.is_workday)
    totals = defaultdict(int)
    for r in recs:
        totals[r.day] += 1
    by_day: dict[date, list[Rec]] = defaultdict(list)
    for r in recs:
        by_day[r.day].append(r)
    hits: dict[str, set[int]] = {m: set() for m in METHODS}
    false: dict[str, int] = dict.fromkeys(METHODS, 0)
    shape: model.Shape | None = None
    fitted_month = None
    d = eval_first
    while d <= END:
        if fitted_month != (d.year, d.month):  # the shape refitted monthly on the days before
            shape = model.fit_shape({x: totals.get(x, 0) for x in span if x < d}, keys)
            fitted_month = (d.year, d.month)
        assert shape is not None
        near = [r for x in range(model.BASE_DAYS + model.GUARD_DAYS + 1) for r in by_day.get(d - timedelta(days=x), [])]
        for series in assign(near, d, h).values():
            ids = series.get(d, [])
            if len(ids) < model.MIN_COUNT:
                continue
            counts = {x: len(v) for x, v in series.items()}
            v = model.judge(counts, d, shape, keys)
            flags = {"model α=1e-4": v.surge, "model α=1e-3": v.p_value <= 1e-3,
                     "fixed 3σ": model.fixed_threshold(counts, d), "fixed count ≥6": len(ids) >= 6}
            mine = set(ids)
            for m, hit in flags.items():
                if not hit:
                    continue
                caught = [ev for (ev, day), o in injected.items() if day == d and len(o & mine) >= len(o) / 2]
                hits[m].update(caught)
                if not mine & all_injected:
                    false[m] += 1
        d += timedelta(days=1)
    months = days / 30.44
    return {m: {"detected": len(hits[m]), "injected": injections, "false_alarms": false[m],
                "false_per_month": false[m] / months} for m in METHODS} | {"orders": len(recs)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--days", type=int, default=180, help="the evaluated span (days before 2026-11-30)")
    ap.add_argument("--injections", type=int, default=12, help="surges injected per seed")
    a = ap.parse_args()
    city = load_city(None)
    h = hierarchy(city)
    t0 = time.perf_counter()
    per_seed = [run_seed(city, h, s, a.days, a.injections) for s in range(1, a.seeds + 1)]
    seconds = time.perf_counter() - t0
    summary = {}
    for m in METHODS:
        det = sum(r[m]["detected"] for r in per_seed)
        inj = sum(r[m]["injected"] for r in per_seed)
        fa = sum(r[m]["false_alarms"] for r in per_seed)
        summary[m] = {"detection_rate": round(det / inj, 3), "detected": det, "injected": inj,
                      "false_alarms": fa, "false_per_month": round(fa / (a.seeds * a.days / 30.44), 2)}
    import os

    out = {"seeds": a.seeds, "days": a.days, "injections_per_seed": a.injections,
           "orders_per_seed": round(sum(r["orders"] for r in per_seed) / a.seeds), "seconds": round(seconds, 1),
           "load_average": os.getloadavg()[0], "methods": summary}
    if a.json:
        print(json.dumps(out, ensure_ascii=False))
        return
    print(f"surges: {a.seeds} seeds × {a.days} days, {a.injections} injected surges each, "
          f"~{out['orders_per_seed']} orders per seed, {seconds:.1f}s, load {out['load_average']:.2f}")
    print(f"{'method':18s} {'detected':>10s} {'rate':>6s} {'false alarms':>13s} {'per month':>10s}")
    for m, s in summary.items():
        print(f"{m:18s} {s['detected']:>4d}/{s['injected']:<5d} {s['detection_rate']:6.2f} {s['false_alarms']:13d} "
              f"{s['false_per_month']:10.2f}")


if __name__ == "__main__":
    main()
