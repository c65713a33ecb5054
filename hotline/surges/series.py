"""Which series an order counts in, and the surges of one day: pure functions over plain records.

A series is a category × territory at the first levels that have volume: an order's candidates go
from fine to coarse — (its leaf category, its street), (leaf, district), (the leaf's parent,
district), (top-level category, district), (top-level, the whole city) — and it counts in the first
whose base window holds at least ``MIN_VOLUME`` orders (the last one otherwise).  Rare demands thus
roll up into a coarser series with a level worth testing, frequent ones stay precise.  The same
function serves the worker (hotline.surges.detect) and the bench (bench/surges.py).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from hotline.surges.model import (
    ALPHA,
    BASE_DAYS,
    GUARD_DAYS,
    MIN_COUNT,
    Shape,
    Verdict,
    base_window,
    fixed_threshold,
    judge,
    series_for,
)

MIN_VOLUME = 8  # orders in the base window for a series to stand on its own (about one a week)
CITY = "*"  # the territory of the coarsest level: the whole city


@dataclass(frozen=True)
class Rec:
    id: int
    day: date  # the city's local date of intake
    category: str | None
    territory: str | None  # a unit key (id as text, or code)


@dataclass
class Hierarchy:
    cat_parent: dict[str, str | None] = field(default_factory=dict)
    street_of: dict[str, str | None] = field(default_factory=dict)  # territory → its street / township
    district_of: dict[str, str | None] = field(default_factory=dict)  # territory → its district / county

    def cat_chain(self, code: str | None) -> list[str]:
        out: list[str] = []
        while code and code not in out:
            out.append(code)
            code = self.cat_parent.get(code)
        return out or ["?"]


def levels(rec: Rec, h: Hierarchy) -> list[tuple[str, str]]:
    cats = h.cat_chain(rec.category)
    leaf, top = cats[0], cats[-1]
    parent = cats[1] if len(cats) > 1 else leaf
    t = rec.territory
    street = (h.street_of.get(t) or t) if t else None
    district = (h.district_of.get(t) or street) if t else None
    out: list[tuple[str, str]] = []
    for key in ((leaf, street), (leaf, district), (parent, district), (top, district), (top, CITY)):
        k = (key[0], key[1] or CITY)
        if k not in out:
            out.append(k)
    return out


@dataclass(frozen=True)
class Found:
    category: str
    territory: str
    verdict: Verdict
    order_ids: tuple[int, ...]


def assign(recs: Iterable[Rec], day: date, h: Hierarchy, *, base_days: int = BASE_DAYS, guard_days: int = GUARD_DAYS,
           min_volume: int = MIN_VOLUME) -> dict[tuple[str, str], dict[date, list[int]]]:
    """Series → local day → order ids, for the base window of ``day`` and the days after it up to ``day``."""
    window = set(base_window(day, base_days=base_days, guard_days=guard_days))
    first = min(window)
    recs = [r for r in recs if first <= r.day <= day]
    lv = {r.id: levels(r, h) for r in recs}
    volume: Counter[tuple[str, str]] = Counter()
    for r in recs:
        if r.day in window:
            volume.update(lv[r.id])
    out: dict[tuple[str, str], dict[date, list[int]]] = defaultdict(lambda: defaultdict(list))
    for r in recs:
        key = series_for(lv[r.id], volume, min_volume)  # type: ignore[arg-type]
        if key is not None:
            out[(key[0], key[1] or CITY)][r.day].append(r.id)
    return out


def find_surges(recs: Sequence[Rec], day: date, h: Hierarchy, shape: Shape, keys: dict[date, str], *,
                min_volume: int = MIN_VOLUME, min_count: int = MIN_COUNT, alpha: float = ALPHA,
                base_days: int = BASE_DAYS, guard_days: int = GUARD_DAYS,
                method: str = "model") -> list[Found]:
    """The series that surge on ``day`` (``method="fixed"``: the mean + 3σ baseline, for the bench)."""
    out: list[Found] = []
    for (cat, terr), by_day in assign(recs, day, h, base_days=base_days, guard_days=guard_days,
                                      min_volume=min_volume).items():
        ids = by_day.get(day, [])
        if len(ids) < min_count:
            continue
        counts = {d: len(v) for d, v in by_day.items()}
        v = judge(counts, day, shape, keys, base_days=base_days, guard_days=guard_days, min_count=min_count,
                  alpha=alpha)
        hit = v.surge if method == "model" else fixed_threshold(counts, day, base_days=base_days,
                                                                 guard_days=guard_days, min_count=min_count)
        if hit:
            out.append(Found(cat, terr, v, tuple(sorted(ids))))
    out.sort(key=lambda f: -f.verdict.score)
    return out
