"""Hot matters on real messages: pairwise precision/recall/F1 of the grouping, beside a plain baseline.

    python bench/hotspots.py [--json]

Data: ../shared/data/hot_messages.csv (4,307 real messages with likes; read at run time, never copied).
Judged pairs (ids and labels only, docs/hotspots.md "Judging"): bench/labels/dup_pairs.csv (426 pairs drawn
in character-TF-IDF bands) and bench/labels/hot_pairs.csv (230 pairs: 100 from TF-IDF bands, 100 from
inside our own groups, 30… from inside the baseline's groups — so chaining errors of both are sampled).
Each pair has a fixed split by a hash of its ids: parameters are chosen on ``dev`` and reported on ``test``.

- **ours**: ``hotline.hotspots.grouping`` — the duplicates' pair model over character-TF-IDF neighbours,
  average linkage (the code path of ``hotline hotspots cluster``);
- **baseline**: character 1–2-gram TF-IDF cosine ≥ t, connected components (t chosen on dev).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = Path(os.environ.get("HOTLINE_SHARED_DATA", ROOT.parent / "shared" / "data"))
LABELS = [ROOT / "bench" / "labels" / "dup_pairs.csv", ROOT / "bench" / "labels" / "hot_pairs.csv"]
GRID = [(t, lk) for t in (0.44, 0.5, 0.55, 0.6, 0.65) for lk in (0.3, 0.5)]
BASE_GRID = [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]


def pairs(split: str | None = None, files: list[Path] = LABELS) -> list[tuple[str, str, int]]:
    out = []
    for f in files:
        with f.open(encoding="utf-8") as fh:
            out += [(r["id_a"], r["id_b"], int(r["same"])) for r in csv.DictReader(fh)
                    if split is None or r["split"] == split]
    return out


def components(n: int, links: list[tuple[int, int]]) -> list[int]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in links:
        parent[find(i)] = find(j)
    return [find(i) for i in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    src = DATA / "hot_messages.csv"
    if not src.exists():
        print(f"skipped: {src} is absent")
        return
    from sklearn.feature_extraction.text import TfidfVectorizer

    from bench._common import header
    from hotline.hotspots import cli, grouping

    if not args.json:
        header("hot matters: pairwise quality on judged pairs of hot_messages.csv")
    items = cli.read_items(src, id_column="留言编号", text_columns=["留言主题", "留言详情"], time_column="留言时间",
                           likes_column="点赞数", dislikes_column="反对数", caller_column="留言用户",
                           tz=ZoneInfo("Asia/Shanghai"))
    t0 = time.perf_counter()
    sc, prepared = grouping.prepare(items)
    t1 = time.perf_counter()
    edges = grouping.scored_edges(items, sc, prepared)
    t2 = time.perf_counter()
    dev, test = pairs("dev"), pairs("test")

    def ours(t: float, lk: float) -> list[grouping.Group]:
        return grouping.describe(items, sc, prepared, grouping.link(len(items), edges, t, lk))

    grid = {(t, lk): grouping.pairwise(ours(t, lk), dev)["f1"] for t, lk in GRID}
    best = max(grid, key=lambda k: (grid[k], k == (grouping.THRESHOLD, grouping.LINKAGE)))
    t3 = time.perf_counter()
    shipped = ours(grouping.THRESHOLD, grouping.LINKAGE)
    t4 = time.perf_counter()

    x = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True).fit_transform(
        [it.text for it in items])
    sims = (x @ x.T).tocoo()

    def base(th: float) -> list[grouping.Group]:
        links = [(int(i), int(j)) for i, j, v in zip(sims.row, sims.col, sims.data, strict=True) if i < j and v >= th]
        return grouping.describe(items, sc, prepared, components(len(items), links))

    base_grid = {th: grouping.pairwise(base(th), dev)["f1"] for th in BASE_GRID}
    base_th = max(base_grid, key=lambda k: base_grid[k])
    baseline = base(base_th)
    rows = []
    for name, gs, param in (("ours (shipped)", shipped, f"t={grouping.THRESHOLD} linkage={grouping.LINKAGE}"),
                            ("baseline: char TF-IDF cosine + components", baseline, f"t={base_th} (best on dev)")):
        sizes = sorted((len(g.ids) for g in gs), reverse=True)
        row = {"method": name, "params": param, "groups": len(gs), "largest": sizes[0],
               "singletons": sum(1 for s in sizes if s == 1),
               "test": grouping.pairwise(gs, test), "dev": grouping.pairwise(gs, dev),
               "test_band_pairs": grouping.pairwise(gs, pairs("test", LABELS[:1])),
               "test_cluster_pairs": grouping.pairwise(gs, pairs("test", LABELS[1:])),
               "all": grouping.pairwise(gs, pairs())}
        rows.append(row)
    out = {"messages": len(items), "pairs": {"dev": len(dev), "test": len(test)},
           "best_on_dev": {"threshold": best[0], "linkage": best[1], "f1": grid[best]},
           "seconds": {"segment": round(t1 - t0, 1), "score_pairs": round(t2 - t1, 1), "link_and_name": round(t4 - t3, 1),
                       "edges": len(edges)},
           "top": [{"name": g.name, "size": len(g.ids), "heat": g.heat} for g in shipped[:10]], "methods": rows}
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return
    print(f"messages {len(items)}; judged pairs dev {len(dev)} / test {len(test)}; "
          f"best on dev: t={best[0]} linkage={best[1]} (F1 {grid[best]})")
    print(f"time: segment {out['seconds']['segment']} s, score {len(edges)} pairs {out['seconds']['score_pairs']} s, "
          f"link+name {out['seconds']['link_and_name']} s")
    print("| method | params | groups | largest | test P | test R | test F1 | band pairs F1 | cluster pairs F1 | all F1 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        te = r["test"]
        print(f"| {r['method']} | {r['params']} | {r['groups']} | {r['largest']} | {te['precision']} | {te['recall']} | "
              f"**{te['f1']}** | {r['test_band_pairs']['f1']} | {r['test_cluster_pairs']['f1']} | {r['all']['f1']} |")
    for g in out["top"]:
        print(f"  {g['heat']:6.1f} {g['size']:4d}  {g['name']}")


if __name__ == "__main__":
    main()
