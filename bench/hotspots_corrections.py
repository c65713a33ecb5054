"""Does learning the grouping threshold from a leader's corrections help on pairs nobody corrected?

    python bench/hotspots_corrections.py [--json] [--draws 10]

Data: ../shared/data/hot_messages.csv (4,307 real messages, read at run time, never copied) and the judged
pairs of bench/labels/dup_pairs.csv + bench/labels/hot_pairs.csv (ids and labels only, docs/hotspots.md
"Judging"). A simulated leader "corrects" k of the judged pairs: a same-matter pair becomes a must link, a
different-matter pair a cannot link (what a merge and a split store). Then, on the *other* judged pairs:

- **before**: the shipped threshold (0.60) with those links honoured (what the platform did before);
- **after**: the threshold learned from the k links (``hotline.hotspots.tuning.choose``, repeated as the
  hourly re-groupings would until it stops moving), with the same links honoured.  The shipped rule
  (``--learner pairs``) also gets the status-quo pairs the platform gives it: the scored candidate pairs
  of the 4,307 messages that are not judged pairs (neither the corrected nor the held-out ones);
  ``before`` is the rule without them (what shipped before), ``statusquo-count:W`` / ``statusquo-share:W``
  two weightings of those pairs tried and not shipped (``choose_statusquo``).

Two ways to pick the k pairs: ``random`` (any judged pair: a leader confirming or correcting what they
see) and ``errors`` (only pairs the shipped grouping gets wrong: what a leader would actually merge or
split; there are only as many as the grouping's mistakes). Each k is drawn ``--draws`` times with fixed
seeds; the figures are means over the draws. Pairwise F1 from the labels directly (no naming).
"""

from __future__ import annotations

import argparse
import bisect
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.hotspots import DATA, pairs  # noqa: E402

KS = (10, 20, 40, 80, 160, 320)


def f1(label: list[int], judged: list[tuple[int, int, int]]) -> float:
    tp = fp = fn = 0
    for a, b, same in judged:
        together = label[a] == label[b]
        tp += together and bool(same)
        fp += together and not same
        fn += (not together) and bool(same)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def choose_statusquo(same: list[float], different: list[float], unjudged: list[float], *, current: float,
                     default: float, weight: float, kind: str) -> float:
    """``tuning.choose`` with the status-quo prior (bench only unless shipped): candidate ``t``'s cost is the
    balanced errors among the corrections plus, for every uncorrected pair whose decision flips between
    ``current`` and ``t``, ``weight`` of one correction of the side it was on (1 / len(side)) (``count``); or
    ``weight`` × the share of that side's uncorrected pairs that flip (``share``: normalised per side).  The
    shipped rule (``tuning.choose`` with ``uncorrected``) is ``share`` with ``weight`` × the corrections'
    balanced errors at ``current``."""
    from hotline.hotspots import tuning

    if len(same) < tuning.MIN_EACH or len(different) < tuning.MIN_EACH:
        return current
    lo = bisect.bisect_left(unjudged, current)

    def errors(t: float) -> float:
        return sum(1 for s in same if s < t) / len(same) + sum(1 for d in different if d >= t) / len(different)

    w = weight

    def cost(t: float) -> float:
        at = bisect.bisect_left(unjudged, t)
        if kind == "share":
            flips = (lo - at) / max(1, lo) if t < current else (at - lo) / max(1, len(unjudged) - lo)
        else:
            flips = (lo - at) / len(different) if t < current else (at - lo) / len(same)
        return round(errors(t) + w * flips, 9)

    grid = [round(0.01 * k, 2) for k in range(5, 96)]
    target = min(grid, key=lambda t: (cost(t), abs(t - default), t))
    step = max(-tuning.MAX_STEP, min(tuning.MAX_STEP, target - current))
    return round(min(tuning.HIGH, max(tuning.LOW, current + step)), 2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--draws", type=int, default=10)
    ap.add_argument("--start", type=float, nargs="+", default=[0.6],
                    help="the threshold in force before learning (0.6 shipped; others: a default that is off)")
    ap.add_argument("--min-each", type=int, default=None, help="override tuning.MIN_EACH (corrections per side)")
    ap.add_argument("--learner", nargs="+", default=["pairs"],
                    help="pairs (the shipped rule: tuning.choose with the status-quo pairs), before (the rule before the "
                         "status-quo prior), grouping, or a prior tried and not shipped (choose_statusquo): "
                         "statusquo-count:W, statusquo-share:W")
    ap.add_argument("--ks", type=int, nargs="+", default=list(KS))
    args = ap.parse_args()
    src = DATA / "hot_messages.csv"
    if not src.exists():
        print(f"skipped: {src} is absent")
        return
    from hotline.hotspots import cli, grouping, tuning

    if args.min_each is not None:
        tuning.MIN_EACH = args.min_each

    items = cli.read_items(src, id_column="留言编号", text_columns=["留言主题", "留言详情"], time_column="留言时间",
                           likes_column="点赞数", dislikes_column="反对数", caller_column="留言用户",
                           tz=ZoneInfo("Asia/Shanghai"))
    t0 = time.perf_counter()
    sc, prepared = grouping.prepare(items)
    edges = grouping.scored_edges(items, sc, prepared)
    pos = {it.id: k for k, it in enumerate(items)}
    judged = [(pos[a], pos[b], s) for a, b, s in pairs() if a in pos and b in pos]
    scores = [float(x) for x in grouping.similarity(items, sc, prepared, [(a, b) for a, b, _ in judged])]
    t1 = time.perf_counter()
    n = len(items)
    judged_keys = {(min(a, b), max(a, b)) for a, b, _ in judged}
    # the status-quo pairs: the window's scored candidate pairs nobody judged (the held-out and the corrected
    # pairs are not among them: the held-out ones are what is measured, the corrected ones carry their label)
    unjudged = sorted(s for key, s in edges.items() if key not in judged_keys)

    def grouped(threshold: float, corrected: list[int]) -> list[int]:
        must = [judged[k][:2] for k in corrected if judged[k][2]]
        cannot = [judged[k][:2] for k in corrected if not judged[k][2]]
        return grouping.link(n, edges, threshold, grouping.LINKAGE, must=must, cannot=cannot)

    def learned(corrected: list[int], start: float, quo: list[float] | None = None) -> float:
        """``tuning.choose`` repeated; ``quo``: the status-quo pairs (the shipped rule), None: the rule before."""
        same = [scores[k] for k in corrected if judged[k][2]]
        different = [scores[k] for k in corrected if not judged[k][2]]
        t = start
        for _ in range(20):  # hourly re-groupings: one bounded step each, until it stops moving
            nxt = tuning.choose(same, different, current=t, default=start, uncorrected=quo or ()).threshold
            if nxt == t:
                break
            t = nxt
        return t

    def learned_statusquo(corrected: list[int], start: float, weight: float, kind: str) -> float:
        """The status-quo prior: the uncorrected candidate pairs keep the decision of the threshold in force as
        a weak label (``weight`` of one correction of that side); a move pays for every one it flips."""
        same = [scores[k] for k in corrected if judged[k][2]]
        different = [scores[k] for k in corrected if not judged[k][2]]
        t = start
        for _ in range(20):
            nxt = choose_statusquo(same, different, unjudged, current=t, default=start, weight=weight,
                                   kind=kind)
            if nxt == t:
                break
            t = nxt
        return t

    cache: dict[float, list[int]] = {}

    def unconstrained(t: float) -> list[int]:
        if t not in cache:
            cache[t] = grouping.link(n, edges, t, grouping.LINKAGE)
        return cache[t]

    def learned_by_grouping(corrected: list[int], start: float) -> float:
        """Alternative rule: the grouping's own decision (``link`` without the links) at the threshold in force
        and one step either side; move when a step makes fewer balanced errors on the corrections."""
        same = [judged[k] for k in corrected if judged[k][2]]
        different = [judged[k] for k in corrected if not judged[k][2]]
        if len(same) < tuning.MIN_EACH or len(different) < tuning.MIN_EACH:
            return start

        def cost(t: float) -> float:
            lab = unconstrained(t)
            return (sum(lab[a] != lab[b] for a, b, _ in same) / len(same)
                    + sum(lab[a] == lab[b] for a, b, _ in different) / len(different))

        t = start
        for _ in range(8):
            here = cost(t)
            steps = [x for x in (round(t - tuning.MAX_STEP, 2), round(t + tuning.MAX_STEP, 2))
                     if tuning.LOW <= x <= tuning.HIGH]
            best = min(steps, key=lambda x: (cost(x), abs(x - start))) if steps else t
            if cost(best) >= here:
                break
            t = best
        return t

    shipped = grouped(grouping.THRESHOLD, [])
    wrong = [k for k, (a, b, s) in enumerate(judged) if (shipped[a] == shipped[b]) != bool(s)]
    rows = []
    learners: dict[str, Any] = {"pairs": lambda c, st: learned(c, st, unjudged), "before": learned,
                                "grouping": learned_by_grouping}
    for name in args.learner:
        if name.startswith("statusquo-"):
            kind, _, w = name.removeprefix("statusquo-").partition(":")
            learners[name] = lambda c, st, w=float(w), kind=kind: learned_statusquo(c, st, w, kind)
    for start, learner, mode in ((st, ln, md) for st in args.start for ln in args.learner for md in ("random", "errors")):
        base = unconstrained(start)
        wrong_here = [k for k, (a, b, s) in enumerate(judged) if (base[a] == base[b]) != bool(s)]
        pool = list(range(len(judged))) if mode == "random" else wrong_here
        for k in args.ks:
            if k > len(pool):
                continue
            before, after, thresholds = [], [], []
            for seed in range(args.draws):
                corrected = random.Random(seed * 1000 + k).sample(pool, k)
                taken = set(corrected)
                held = [judged[x] for x in range(len(judged)) if x not in taken]
                t = learners[learner](corrected, start)
                before.append(f1(grouped(start, corrected), held))
                after.append(f1(grouped(t, corrected), held))
                thresholds.append(t)
            rows.append({"start": start, "learner": learner, "mode": mode, "k": k, "draws": args.draws,
                         "held_out_pairs": len(judged) - k,
                         "f1_before": round(statistics.mean(before), 4), "f1_after": round(statistics.mean(after), 4),
                         "f1_gain_min": round(min(a - b for a, b in zip(after, before, strict=True)), 4),
                         "f1_gain_max": round(max(a - b for a, b in zip(after, before, strict=True)), 4),
                         "threshold_mean": round(statistics.mean(thresholds), 3),
                         "threshold_range": [min(thresholds), max(thresholds)],
                         "moved": sum(1 for t in thresholds if t != start)})
    out = {"messages": n, "judged_pairs": len(judged), "shipped_wrong_pairs": len(wrong),
           "shipped_f1_all": round(f1(shipped, judged), 4),
           "unjudged_pairs": len(unjudged), "unjudged_by_score": {f"{lo:.2f}-{lo + 0.05:.2f}": bisect.bisect_left(
               unjudged, lo + 0.05) - bisect.bisect_left(unjudged, lo) for lo in (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75)},
           "seconds_prepare_and_score": round(t1 - t0, 1),
           "seconds_total": round(time.perf_counter() - t0, 1), "rows": rows}
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return
    print(f"messages {n}; judged pairs {len(judged)}; the shipped grouping gets {len(wrong)} wrong "
          f"(F1 {out['shipped_f1_all']})")
    print("| start | learner | picked | k | held-out F1 before | after | gain min…max | learned threshold (mean, range) | moved |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['start']} | {r['learner']} | {r['mode']} | {r['k']} | {r['f1_before']} | {r['f1_after']} | {r['f1_gain_min']}…{r['f1_gain_max']} | "
              f"{r['threshold_mean']} ({r['threshold_range'][0]}–{r['threshold_range'][1]}) | {r['moved']}/{r['draws']} |")


if __name__ == "__main__":
    main()
