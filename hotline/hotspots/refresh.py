"""Re-grouping a city's window into stored hot matters and systemic problems (worker task and CLI).

Why here and never in a page request: it segments every text of the window (seconds for a few
thousand orders).  The same code path as the CLI (``grouping.group``) with two additions:

- the leader's corrections (``HotMatterLink``) are passed as must-link / cannot-link pairs, so a
  re-grouping never undoes a merge or a split; and they retune the city's threshold first
  (``tuning.learn``: scored with the grouping's own scoring, learned in bounded steps, stored as a
  settings version), which this pass and the intake's join then use;
- the new groups are matched to the stored matters by member overlap (largest overlap first, each
  matter to one group), so a matter keeps its id, URL, state and history while it grows.  A stored
  matter no new group matches is *merged* (its window members now sit mostly in another matched
  group), *dissolved* (they no longer group) or *expired* (they left the window).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hotline.callbacks.models import Evaluation
from hotline.hotspots import grouping, tuning
from hotline.hotspots.models import HotMatter, HotMatterEvent, HotMatterLink, HotMatterOrder
from hotline.orders.enums import TRANSFER_SUPERSEDED, Status
from hotline.orders.models import Assignment, Order
from hotline.org.models import Category, Unit

WINDOW_DAYS = 30  # the sliding window re-grouped each time
#: newest orders of the window grouped: the bound on one pass's work (its own background lane, at most
#: hourly per city; 20–40 s warm at 20,000 on the shared 2-core VM, docs/hotspots.md "Speed"). A window
#: with more is cut to its newest LIMIT and the pass says so (``capped``)
LIMIT = 20_000
#: not grouped: the sender's side of an accepted 转办 (orders.enums.TRANSFER_SUPERSEDED) and orders merged
#: into another as duplicates (the parent stands for them)
EXCLUDED = frozenset({*TRANSFER_SUPERSEDED, Status.merged})
SYSTEMIC_MIN_PLACES = 5  # a kind of demand in at least this many territories …
SYSTEMIC_MAX_SHARE = 0.5  # … none of which holds more than half of its orders (else it is one hot place)
SYSTEMIC_SHOWN = 10
SYSTEM = "系统"
_TOKEN = re.compile(r"^[\u4e00-\u9fff]{2,}$")
_NOT_DEMAND = {"社区", "街道", "附近", "门口", "村委", "路段", "一直", "多次", "委员会", "居民", "村民", "居委会", "村委会"}  # place words, not a demand


@dataclass
class _Row:
    id: int
    number: str
    title: str
    content: str
    created_at: datetime
    phone: str | None
    territory_id: int | None
    category_code: str | None
    dissatisfied: bool = False


@dataclass
class Finding:
    """One group to store: a hot place's group or a systemic problem."""

    ids: list[int]
    name: str
    place: str | None
    heat: float
    volume: int
    growth: float
    first: datetime | None
    last: datetime | None
    key: str | None = None
    places: list[list[Any]] = field(default_factory=list)


def _event(db: Session, m: HotMatter, kind: str, now: datetime, *, actor_id: int | None = None,
           actor_label: str = SYSTEM, **data: Any) -> None:
    db.add(HotMatterEvent(hot_matter_id=m.id, kind=kind, at=now, actor_id=actor_id, actor_label=actor_label[:128],
                          data=data))


def window_rows(db: Session, now: datetime, window_days: int) -> list[_Row]:
    since = now - timedelta(days=window_days)
    q = (select(Order.id, Order.number, Order.title, Order.content, Order.created_at, Order.citizen_phone,
                Order.territory_unit_id, Order.category_code)
         .where(Order.created_at >= since, Order.created_at <= now, Order.status.not_in([s.value for s in EXCLUDED]))
         .order_by(Order.id.desc()).limit(LIMIT))
    rows = [_Row(*r) for r in db.execute(q).all()]

    ids = [r.id for r in rows]
    unhappy: set[int] = set()
    for start in range(0, len(ids), 1000):  # the callback said 不满意: the heat index's dissatisfied share
        unhappy.update(db.scalars(select(Evaluation.order_id).where(Evaluation.order_id.in_(ids[start:start + 1000]),
                                                                     Evaluation.satisfaction == "dissatisfied")))
    for r in rows:
        r.dissatisfied = r.id in unhappy
    return rows


def items_of(rows: list[_Row]) -> list[grouping.Item]:
    """The window's orders as the grouping sees them (title and text, time, caller, territory)."""
    return [grouping.Item(id=str(r.id), text=f"{r.title}\n{r.content}", time=r.created_at, title=r.title,
                          caller=r.phone or None, territory=str(r.territory_id) if r.territory_id else None,
                          dissatisfied=r.dissatisfied)
            for r in rows]


def place_groups(db: Session, rows: list[_Row], now: datetime, window_days: int) -> list[Finding]:
    """Groups of ≥ 2 orders about one place and one demand, the leader's corrections honoured — and
    learned from: the threshold is the city's (``tuning``), retuned first from the corrections made since
    its last reset whose two orders are in the window."""
    pos = {r.id: k for k, r in enumerate(rows)}
    must: list[tuple[str, str]] = []
    cannot: list[tuple[str, str]] = []
    labelled: list[tuple[int, int, bool]] = []
    linked: list[tuple[int, int]] = []
    since = tuning.learned_since(db)
    for link in db.scalars(select(HotMatterLink).order_by(HotMatterLink.id)):
        if link.order_a_id in pos and link.order_b_id in pos:
            (must if link.kind == "must" else cannot).append((str(link.order_a_id), str(link.order_b_id)))
            linked.append((pos[link.order_a_id], pos[link.order_b_id]))
            if since is None or link.created_at > since:
                labelled.append((pos[link.order_a_id], pos[link.order_b_id], link.kind == "must"))
    items = items_of(rows)
    if not items:
        return []
    sc, prepared = grouping.prepare(items)
    edges = grouping.scored_edges(items, sc, prepared, window_days=window_days)  # scored once: learning and grouping
    threshold = tuning.learn(db, items, sc, prepared, labelled, now=now, edges=edges, linked=linked)
    out = []
    for g in grouping.group(items, scorer=sc, prepared=prepared, threshold=threshold, window_days=window_days,
                            now=now, must_link=must, cannot_link=cannot, edges=edges):
        if len(g.ids) < 2:
            continue
        out.append(Finding(ids=[int(i) for i in g.ids], name=g.name[:200], place=(g.places[0] if g.places else None),
                           heat=g.heat, volume=g.volume, growth=g.growth, first=g.first, last=g.last))
    return out


def systemic_problems(db: Session, rows: list[_Row], now: datetime, *, min_places: int = SYSTEMIC_MIN_PLACES,
                      max_share: float = SYSTEMIC_MAX_SHARE) -> list[Finding]:
    """共性问题: one kind of demand (a demand word of the titles, whatever leaf category its orders were
    filed under) in many territories.

    A hot matter is many people about *one* place; a systemic problem is the same demand in at least
    ``min_places`` territories, no one of which holds more than ``max_share`` of its orders.  The demand
    word is the signature, not the category: 路灯不亮 filed under 市政设施 and under 城乡建设 is one problem.
    Its key is ``<main category>:<word>`` (the category holding most of its orders), which is the key the
    one-category version gave, so a problem keeps its identity across the change and across refreshes."""
    from hotline.search import _jieba

    cats = {c.code: c.name for c in db.scalars(select(Category))}
    units = list(db.scalars(select(Unit)))
    unit_names = {u.id: u.name for u in units}
    # the place's own names are not the demand (桃源社区 / 新华街道桃源社区居民委员会路灯不亮)
    own_names = {u.id: sorted({n for n in (u.name, u.short_name) if n}, key=len, reverse=True) for u in units}
    by_word: dict[str, list[_Row]] = defaultdict(list)
    for r in rows:
        if not r.category_code or not r.territory_id:
            continue
        title = r.title
        for n in own_names.get(r.territory_id, ()):
            title = title.replace(n, " ")
        words = {w for w in _jieba().lcut(title) if _TOKEN.match(w) and w not in grouping._NAME_STOP
                 and w not in _NOT_DEMAND}
        for w in words:
            by_word[w].append(r)
    candidates = []
    for word, members in by_word.items():
        per_place: Counter[int] = Counter(m.territory_id for m in members if m.territory_id is not None)
        if len(per_place) < min_places or max(per_place.values()) > max_share * len(members):
            continue
        per_cat: Counter[str] = Counter(m.category_code for m in members if m.category_code)
        codes = sorted(per_cat, key=lambda c: (-per_cat[c], c))
        candidates.append((len(per_place), len(members), codes[0], word, members, per_place, codes))
    candidates.sort(key=lambda c: (-c[0], -c[1], c[2], c[3]))
    out: list[Finding] = []
    taken: list[set[int]] = []
    for n_places, _n, code, word, members, per_place, codes in candidates:
        ids = {m.id for m in members}
        if any(len(ids & s) >= 0.5 * len(ids) for s in taken):
            continue  # another word of the same demand (路灯 / 不亮), in any category: one problem
        taken.append(ids)
        times = sorted(m.created_at for m in members)
        callers = {m.phone or f"#{m.id}" for m in members}
        recent = sum(1 for t in times if (now - t).total_seconds() < 7 * 86400)
        before = sum(1 for t in times if 7 * 86400 <= (now - t).total_seconds() < 14 * 86400)
        growth = (recent - before) / max(before, 1) if recent > before else 0.0
        label = "、".join(cats.get(c, c) for c in codes[:2]) + ("等" if len(codes) > 2 else "")
        name = f"{label} · {word}" if len(codes) > 1 or word not in label else label
        places = [[unit_names.get(p, str(p)), c] for p, c in sorted(per_place.items(), key=lambda kv: (-kv[1], kv[0]))]
        out.append(Finding(ids=sorted(ids), name=f"{name}（{n_places}个地点）"[:200], place=None,
                           heat=round(10 * math.log1p(len(callers)) * (1 + 0.5 * min(growth, 3)) + 2 * n_places, 1),
                           volume=len(callers), growth=growth, first=times[0], last=times[-1],
                           key=f"{code}:{word}"[:120], places=places))
        if len(out) >= SYSTEMIC_SHOWN:
            break
    return out


def _units(db: Session, order_ids: set[int]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = defaultdict(set)
    if order_ids:
        for oid, uid in db.execute(select(Assignment.order_id, Assignment.unit_id)
                                   .where(Assignment.order_id.in_(order_ids))).all():
            out[oid].add(uid)
    return out


def _apply(m: HotMatter, f: Finding, units: dict[int, set[int]], names: dict[int, str], now: datetime) -> None:
    count: Counter[int] = Counter(u for i in f.ids for u in units.get(i, ()))
    m.name, m.place, m.heat, m.volume, m.growth = f.name, f.place, f.heat, f.volume, round(f.growth, 2)
    m.first_at, m.last_at, m.places, m.refreshed_at = f.first, f.last, f.places, now
    m.units = [[names.get(u, str(u)), c] for u, c in count.most_common(10)]
    m.active, m.merged_into_id = True, None


def _members(db: Session, kind: str) -> tuple[dict[int, HotMatter], dict[int, set[int]]]:
    matters = {m.id: m for m in db.scalars(select(HotMatter).where(HotMatter.kind == kind,
                                                                   HotMatter.active.is_(True)))}
    members: dict[int, set[int]] = defaultdict(set)
    if matters:
        for mid, oid in db.execute(select(HotMatterOrder.hot_matter_id, HotMatterOrder.order_id)
                                   .where(HotMatterOrder.hot_matter_id.in_(list(matters)))).all():
            members[mid].add(oid)
    return matters, members


def _set_members(db: Session, m: HotMatter, old: set[int], new: set[int]) -> None:
    gone, added = old - new, new - old
    if gone:
        db.execute(delete(HotMatterOrder).where(HotMatterOrder.hot_matter_id == m.id,
                                                HotMatterOrder.order_id.in_(gone)))
    db.add_all(HotMatterOrder(hot_matter_id=m.id, order_id=o) for o in sorted(added))


def _store(db: Session, kind: str, findings: list[Finding], window: set[int], numbers: dict[int, str],
           now: datetime, snapshot: tuple[dict[int, HotMatter], dict[int, set[int]]] | None = None) -> dict[str, int]:
    stats = Counter[str]()
    matters, members = snapshot if snapshot is not None else _members(db, kind)
    unit_names = {u.id: u.name for u in db.scalars(select(Unit))}
    units = _units(db, {i for f in findings for i in f.ids})
    match: dict[int, int] = {}  # finding index → matter id
    if kind == "systemic":
        # by its key, else by its word (the key's category is the one holding most of its orders, which may
        # change as orders come and go: the problem keeps its id and takes the new key)
        by_key = {m.key: mid for mid, m in matters.items()}
        by_word = {(m.key or "").split(":", 1)[-1]: mid for mid, m in sorted(matters.items())}
        match = {k: by_key[f.key] for k, f in enumerate(findings) if f.key in by_key}
        for k, f in enumerate(findings):
            word = (f.key or "").split(":", 1)[-1]
            if k not in match and word in by_word and by_word[word] not in match.values():
                match[k] = by_word[word]
                matters[by_word[word]].key = f.key
    else:
        where: dict[int, int] = {o: k for k, f in enumerate(findings) for o in f.ids}
        overlap: Counter[tuple[int, int]] = Counter()
        for mid, ms in members.items():
            for o in ms:
                if o in where:
                    overlap[(where[o], mid)] += 1
        used: set[int] = set()
        for (k, mid), _n in sorted(overlap.items(), key=lambda kv: (-kv[1], kv[0][1], kv[0][0])):
            if k not in match and mid not in used:
                match[k] = mid
                used.add(mid)
    matched = set(match.values())
    for k, f in enumerate(findings):
        new = set(f.ids)
        if k in match:
            m = matters[match[k]]
            old = members.get(m.id, set())
            keep = new | (old - window)  # members that left the window stay part of the matter's history
            added = sorted(keep - old)
            removed = sorted((old & window) - new)
            _apply(m, f, units, unit_names, now)
            m.size = len(keep)
            _set_members(db, m, old, keep)
            if added:
                _event(db, m, "grew", now, orders=[numbers.get(o, str(o)) for o in added][:50], size=m.size)
                stats["grew"] += 1
            if removed:
                _event(db, m, "shrank", now, orders=[numbers.get(o, str(o)) for o in removed][:50], size=m.size)
        else:
            m = HotMatter(kind=kind, key=f.key, created_at=now, state="open")
            _apply(m, f, units, unit_names, now)
            m.size = len(new)
            db.add(m)
            db.flush()
            _set_members(db, m, set(), new)
            _event(db, m, "created", now, size=m.size, name=m.name)
            stats["created"] += 1
            matters[m.id] = m
            match[k] = m.id
    where_now = {o: match[k] for k, f in enumerate(findings) for o in f.ids}
    for mid, ms in members.items():
        if mid in matched:
            continue
        m = matters[mid]
        inside = ms & window
        m.active = False
        m.refreshed_at = now
        if not inside:
            _event(db, m, "expired", now)
            stats["expired"] += 1
            continue
        target = Counter(where_now[o] for o in inside if o in where_now).most_common(1)
        if target and kind == "place":
            m.merged_into_id = target[0][0]
            _event(db, m, "merged", now, into=target[0][0])
            _event(db, matters[target[0][0]], "merged", now, absorbed=mid, name=m.name)
            stats["merged"] += 1
        else:
            _event(db, m, "dissolved", now)
            stats["dissolved"] += 1
        _set_members(db, m, ms, ms - window)
    return dict(stats)


def refresh(db: Session, *, now: datetime, window_days: int = WINDOW_DAYS) -> dict[str, Any]:
    """Re-group the acting city's window and store the result (the caller commits).

    The stored matters (with their versions) are read *first*, before the corrections and the window:
    a leader's correction committed while this pass groups bumps a matter's version, so this pass's
    write of that matter fails (``StaleDataError``, rolled back whole) instead of storing a grouping
    made without the correction; the next pass honours it (tests/integration/test_hotspots_race.py)."""
    snapshot = {kind: _members(db, kind) for kind in ("place", "systemic")}
    rows = window_rows(db, now, window_days)
    window = {r.id for r in rows}
    numbers = {r.id: r.number for r in rows}
    places = place_groups(db, rows, now, window_days)
    systemic = systemic_problems(db, rows, now)
    out: dict[str, Any] = {"orders": len(rows), "capped": len(rows) >= LIMIT, "hot_matters": len(places),
                           "systemic": len(systemic), "threshold": tuning.in_force(db).as_dict()}
    out["place"] = _store(db, "place", places, window, numbers, now, snapshot["place"])
    out["systemic_changes"] = _store(db, "systemic", systemic, window, numbers, now, snapshot["systemic"])
    return out


EVERY = timedelta(hours=1)
_last_run: dict[int, datetime] = {}  # city → last pass in this process (a city without groups stores nothing)


def refresh_task(*, now: datetime) -> dict[str, Any]:
    """The worker's maintenance task (run once per city by the worker's loop): re-group and commit.

    Runs at most once an hour per city: a pass is every 30 s, the grouping is seconds of work and a
    hot matter changes over days."""
    from hotline.city.tenancy import current_scope
    from hotline.db import session_factory

    city = current_scope().id or 0
    if city in _last_run and timedelta(0) <= now - _last_run[city] < EVERY:
        return {"skipped": "fresh"}
    with session_factory()() as db:
        last = db.scalar(select(HotMatter.refreshed_at).order_by(HotMatter.refreshed_at.desc()).limit(1))
        if last is not None and timedelta(0) <= now - last < EVERY:
            _last_run[city] = last
            return {"skipped": "fresh"}
        _last_run[city] = now
        try:
            out = refresh(db, now=now)
            db.commit()
        except Exception:  # a leader's correction won the race (409) or worse: the next pass tries again
            db.rollback()
            _last_run.pop(city, None)
            raise
    return out
