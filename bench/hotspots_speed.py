"""Hot matters' speed (issue #16 item 7): the re-grouping of many orders, and the /hotspots page's reads.

    PYTHONPATH=. python bench/hotspots_speed.py [--n 60000] [--baseline-n 3000] [--baseline-tree DIR]
                                               [--matters 50000] [--pg URL] [--json]

- **regroup**: ``grouping.group`` (the code path of ``hotline hotspots cluster`` and of the re-grouping's
  place groups) on ``--n`` synthetic-but-realistic orders (texts from the demo generator, 30 s apart:
  one busy day and more), *cold* (every text segmented) and *warm* (segmentation cached, as an hourly
  pass of the worker sees a window it mostly segmented before), beside a plain TF-IDF threshold
  grouping (character cosine ≥ 0.5, connected components) on the same orders;
- **old vs new** on ``--baseline-n`` orders: the same grouping from ``--baseline-tree`` (a checkout of
  the old code, e.g. /work/main) against this tree, and whether their groups are identical;
- **page**: the /hotspots page's queries (``service.listing`` for both kinds + ``last_refresh``) p50/p95
  over ``--matters`` stored hot matters (bulk inserted) on SQLite and, with ``--pg``, PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._common import recreate_db  # noqa: E402

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def _texts(n: int, seed: int = 7) -> list[tuple[str, str, str | None, str | None]]:
    from hotline.city.service import current_city
    from hotline.demo.texts import generate_demands, generate_duplicate_cluster

    city = current_city()
    base = generate_demands(city, n, seed=seed)
    out = [(d.title, d.content, d.phone, d.territory_code) for d in base]
    # callers about one matter: one demand in ten gets 1–6 rewordings (the hot matters to find)
    extra = []
    for k, d in enumerate(base[: n // 10]):
        extra += [(x.title, x.content, x.phone, x.territory_code)
                  for x in generate_duplicate_cluster(city, d, 1 + k % 6, seed=seed + k)]
    mixed = out[: n - min(len(extra), n // 3)] + extra[: n // 3]
    return mixed[:n]


def _items(n: int):  # type: ignore[no-untyped-def]
    from hotline.hotspots import grouping

    return [grouping.Item(id=str(k), text=f"{t}\n{c}", title=t, caller=p, territory=terr,
                          time=NOW - timedelta(seconds=30 * k)) for k, (t, c, p, terr) in enumerate(_texts(n))]


def regroup(n: int) -> dict[str, float | int]:
    import numpy as np

    from hotline.hotspots import grouping

    items = _items(n)
    grouping._FEATURES.clear()
    grouping._CUTS.clear()
    t = time.perf_counter()
    groups = grouping.group(items, window_days=30, now=NOW)
    cold = time.perf_counter() - t
    t = time.perf_counter()
    again = grouping.group(items, window_days=30, now=NOW)
    warm = time.perf_counter() - t
    assert [g.ids for g in again] == [g.ids for g in groups]
    t = time.perf_counter()  # the baseline: plain character TF-IDF cosine ≥ 0.5, connected components
    i, j, c = grouping._candidates([it.text for it in items], grouping.NEIGHBOURS, 0.5)
    parent = np.arange(n)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = int(parent[x])
        return x

    for a, b in zip(i.tolist(), j.tolist(), strict=True):
        parent[find(a)] = find(b)
    base_groups = len({find(x) for x in range(n)})
    base = time.perf_counter() - t
    return {"orders": n, "cold_s": round(cold, 1), "warm_s": round(warm, 1), "groups": len(groups),
            "groups_of_2_plus": sum(len(g.ids) > 1 for g in groups), "largest": max(len(g.ids) for g in groups),
            "baseline_tfidf_components_s": round(base, 1), "baseline_groups": base_groups}


_TREE_SCRIPT = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
sys.path.insert(1, sys.argv[2])
from hotline.hotspots import grouping  # the tree's own, before the bench module puts this tree on the path
from bench_items import items
assert grouping.__file__.startswith(sys.argv[1]), grouping.__file__
its = items(int(sys.argv[3]))
t = time.perf_counter()
gs = grouping.group(its, window_days=30, now=__import__('bench_items').NOW)
print(json.dumps({"s": round(time.perf_counter() - t, 2), "groups": sorted(sorted(g.ids) for g in gs)}))
"""


def old_vs_new(n: int, tree: Path) -> dict[str, object]:
    """The same orders grouped by the old tree and by this one, each in a fresh process (cold)."""
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "bench_items.py").write_text(
            "import importlib.util\n"
            f"spec = importlib.util.spec_from_file_location('hs_speed', {str(Path(__file__).resolve())!r})\n"
            "mod = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(mod)\n"
            "NOW, items = mod.NOW, mod._items\n", encoding="utf-8")
        out = {}
        for name, where in (("old", tree), ("new", ROOT)):
            env = {**os.environ, "PYTHONPATH": str(where)}
            script = Path(tmp, "run.py")
            script.write_text(_TREE_SCRIPT, encoding="utf-8")
            r = subprocess.run([sys.executable, str(script), str(where), tmp, str(n)], capture_output=True, text=True,
                               env=env, check=True, cwd=tmp)
            out[name] = json.loads(r.stdout.strip().splitlines()[-1])
    return {"orders": n, "old_s": out["old"]["s"], "new_s": out["new"]["s"],
            "identical_groups": out["old"]["groups"] == out["new"]["groups"]}


def _fresh(url: str) -> None:
    """Drop and create a PostgreSQL scratch database (SQLite: a new file each run)."""
    if url.startswith("postgresql"):
        recreate_db(url, verbose=False)


def page(url: str, matters: int) -> dict[str, object]:
    """The /hotspots page's queries over ``matters`` stored hot matters of two cities (most inactive, as
    years of re-groupings leave them), read as a leader of one city."""
    from sqlalchemy import insert, select, text

    from hotline import db as dbmod
    from hotline import registry
    from hotline.migrate import upgrade

    registry.install()
    _fresh(url)
    engine = dbmod.configure(url)
    upgrade(url)
    from hotline.city.models import City
    from hotline.city.tenancy import acting_as
    from hotline.hotspots import service
    from hotline.hotspots.models import HotMatter
    from hotline.org.models import User

    with engine.begin() as c:
        c.execute(insert(City.__table__), [{"code": "other", "name": "其他市", "kind": "city", "timezone": "Asia/Shanghai",
                                            "order_number_prefix": "Q", "created_at": NOW}])
        home, other = c.execute(select(City.id).order_by(City.id)).scalars().all()[:2]
        rows = [{"city_id": home if k % 2 else other, "id": k + 1, "kind": "systemic" if k % 50 == 0 else "place",
                 "name": f"热点{k}", "places": [], "units": [], "size": 2 + k % 40, "volume": 2 + k % 30,
                 "heat": (k * 7919) % 1000 / 10, "growth": 0.0, "active": k % 10 < 2, "state": "open",
                 "created_at": NOW, "refreshed_at": NOW - timedelta(minutes=k % 600), "version": 1}
                for k in range(matters)]
        for s in range(0, len(rows), 10_000):
            c.execute(insert(HotMatter.__table__), rows[s:s + 10_000])
        if url.startswith("postgresql"):
            c.execute(text("analyze hot_matters"))
    times = []
    with dbmod.session_scope() as db:
        city = db.get(City, home)
        with acting_as(city):
            leader = User(role="leader", username="bench", name="bench")  # the listing checks the role
            for _ in range(60):
                t = time.perf_counter()
                shown = service.listing(db, user=leader, kind="place")
                service.listing(db, user=leader, kind="systemic")
                service.last_refresh(db)
                times.append((time.perf_counter() - t) * 1000)
                db.expunge_all()
    assert len(shown) == service.LISTED
    times.sort()
    return {"db": engine.dialect.name, "hot_matters": matters, "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[int(0.95 * len(times)) - 1], 2)}


def intake(url: str, n: int = 80) -> dict[str, object]:
    """Intake with and without the join hook, interleaved in one run, on the demo's city (its 300 orders
    and their re-grouping: the matters a new call may join); each order one transaction, commit included."""
    import os as _os

    _os.environ["HOTLINE_DATABASE_URL"] = url
    _os.environ.setdefault("HOTLINE_PASSWORD_HASH_FAST", "true")
    from sqlalchemy import select

    from hotline import db as dbmod
    from hotline import registry
    from hotline.city.service import current_city
    from hotline.demo.seed import seed_demo
    from hotline.demo.texts import generate_demands, generate_duplicate_cluster
    from hotline.hotspots import intake as hook
    from hotline.hotspots.models import HotMatter, HotMatterOrder
    from hotline.migrate import upgrade
    from hotline.orders.actor import Actor
    from hotline.orders.flows import do_create_order
    from hotline.orders.models import Order
    from hotline.org.cities import sync_city
    from hotline.org.models import User

    reg = registry.install()
    _fresh(url)
    engine = dbmod.configure(url)
    upgrade(url)  # the schema and the home city's row, as ``hotline db upgrade``
    city = current_city()
    with dbmod.session_scope() as s:
        sync_city(s, city)
    with dbmod.session_scope() as s:
        seed_demo(s, city, orders=300)
    with dbmod.session_scope() as s:  # new calls: rewordings of stored matters' orders, and other demands
        members = s.execute(select(Order.title, Order.content, Order.category_code).join(
            HotMatterOrder, HotMatterOrder.order_id == Order.id).join(HotMatter, HotMatter.id == HotMatterOrder.hot_matter_id)
            .where(HotMatter.kind == "place", HotMatter.active.is_(True))).all()
        op = Actor.of(s.scalar(select(User).where(User.role == "operator").order_by(User.id).limit(1)))
    demands = [{"title": d.title, "content": d.content, "category_code": d.category_code}
               for d in generate_demands(city, n // 2, seed=99)]
    bases = generate_demands(city, 40, seed=5)
    for k in range(n - len(demands)):
        t, c, code = members[k % len(members)] if members and k % 2 == 0 else (bases[k % 40].title, bases[k % 40].content,
                                                                                 bases[k % 40].category_code)
        demands.append({"title": t[:-1] + "。" if k % 3 else t, "content": c + "希望尽快处理。", "category_code": code})
    del generate_duplicate_cluster
    spec = next(h for h in reg.hooks if h.fn is hook.join_on_create)
    times: dict[str, list[float]] = {"with_hook": [], "without_hook": []}
    joined = 0
    for k, d in enumerate(demands * 2):
        on = k % 2 == 0
        if not on:
            reg.hooks.remove(spec)
        try:
            t = time.perf_counter()
            with dbmod.session_scope() as s:
                o = do_create_order(s, actor=op, now=dbmod.utcnow(), data={"kind": "complaint", **d,
                                                                           "citizen_phone": f"1391234{k:04d}"})
                s.flush()
                joined += on and s.scalar(select(HotMatterOrder.hot_matter_id).where(HotMatterOrder.order_id == o.id)) is not None
            times["with_hook" if on else "without_hook"].append((time.perf_counter() - t) * 1000)
        finally:
            if not on:
                reg.hooks.append(spec)
    p50 = {k: round(statistics.median(v), 2) for k, v in times.items()}
    return {"db": engine.dialect.name, "orders_each": len(times["with_hook"]), "p50_ms": p50,
            "added_p50_ms": round(p50["with_hook"] - p50["without_hook"], 2), "joined_at_intake": int(joined)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=60_000)
    ap.add_argument("--baseline-n", type=int, default=3000)
    ap.add_argument("--baseline-tree", type=Path, default=None)
    ap.add_argument("--matters", type=int, default=50_000)
    ap.add_argument("--pg", default=None, help="a scratch PostgreSQL database URL (its hot_matters is dropped)")
    ap.add_argument("--skip", default="", help="comma list of: regroup, old, page, intake")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    skip = set(a.skip.split(","))
    out: dict[str, object] = {"date": datetime.now(UTC).isoformat(timespec="seconds"),
                              "load_average": os.getloadavg(), "cpus": os.cpu_count()}
    if a.baseline_tree and "old" not in skip:
        out["old_vs_new"] = old_vs_new(a.baseline_n, a.baseline_tree)
    if "regroup" not in skip:
        out["regroup"] = regroup(a.n)
    if "page" not in skip:
        with tempfile.TemporaryDirectory() as tmp:
            out["page_sqlite"] = page(f"sqlite:///{tmp}/bench.db", a.matters)
        if a.pg:
            out["page_postgresql"] = page(a.pg, a.matters)
    if "intake" not in skip:
        with tempfile.TemporaryDirectory() as tmp:
            out["intake_sqlite"] = intake(f"sqlite:///{tmp}/intake.db")
        if a.pg:
            out["intake_postgresql"] = intake(a.pg)
    out["load_average_after"] = os.getloadavg()
    print(json.dumps(out, ensure_ascii=False, indent=None if a.json else 2))


if __name__ == "__main__":
    main()
