"""Tune how the starter model joins the day-one first-level score, on the dev half only.

The combination (``hotline.routing.service._top_level_probs``) on a day-one city:
``score = a_gen × log(P_gen + 0.01) + b × (log(P_starter + 0.01) − log(1/7 + 0.01)) + w × lexicon words``.
This bench computes each term for every even-row (dev-half) message of messages_train.csv — the
demo city's lexicon, the demo's generator-trained category model (trained here exactly as
``train_demo_models`` does), and the starter's probability **out of fold** (5-fold on the dev half, so a
message is never scored by a starter that learned it) — then prints macro-F1, accuracy and ECE of the
argmax for a grid of ``b`` and ``w``. The odd rows (the test half) are not read, except with
``--shipped-on-test``: then the shipped starter alone is also scored on them (done once, after the choice).
Also printed: the shipped starter's single-message latency (``predict_proba``, p50 / p99 over the dev texts,
jieba's segmentation cache cold: in the service the category model has usually segmented the text already).

    .venv/bin/python bench/routing_starter_tune.py [--json] [--shipped-on-test]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import header  # noqa: E402
from bench.routing_dayone import CITY_CODE, reliability  # noqa: E402

DATA = Path(os.environ.get("HOTLINE_SHARED_DATA", "/work/shared/data")) / "messages_train.csv"
EXPONENTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
LEXICON_WEIGHTS = (1.0, 0.5, 0.25)
GEN_EXPONENT = 0.1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--shipped-on-test", action="store_true",
                    help="also score the shipped starter alone on the odd rows (the test half)")
    args = ap.parse_args()
    if not DATA.is_file():
        print(f"no data file {DATA}: nothing to measure")
        return
    import numpy as np
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedKFold

    from hotline.city.service import current_city
    from hotline.demo.texts import generate_demands
    from hotline.routing.catalogue import score_top_levels
    from hotline.routing.model import TextClassifier, _fit_temperature
    from hotline.routing.starter.model import _counts, _fit, _weigh, prepare, read_rows

    city = current_city()
    codes = [c.code for c in city.categories]
    name_to_code = {c.name: c.code for c in city.categories}
    texts, labels = read_rows(DATA, rows="even")
    keep = [i for i, lab in enumerate(labels) if lab in CITY_CODE]
    texts, labels = [texts[i] for i in keep], [labels[i] for i in keep]
    gold = [CITY_CODE[lab] for lab in labels]

    # the starter, out of fold
    classes = sorted(set(labels))
    y = np.array([classes.index(v) for v in labels])
    counts = _counts([prepare(t) for t in texts])
    oof = np.zeros((len(y), len(classes)))
    for tr, te in StratifiedKFold(5, shuffle=True, random_state=0).split(np.zeros(len(y)), y):
        idf, coef, intercept = _fit(counts[tr], y[tr], 0)
        oof[te] = np.asarray(_weigh(counts[te], idf) @ coef.T) + intercept
    temp = _fit_temperature(oof, y)
    z = oof / temp
    p_start = np.exp(z - z.max(1, keepdims=True))
    p_start /= p_start.sum(1, keepdims=True)
    start_col = {name_to_code[c]: i for i, c in enumerate(classes) if c in name_to_code}

    # the demo's generator-trained category model
    tops = {c.code: c.name for c in city.categories}
    demands = generate_demands(city, 2500, seed=99)
    gen = TextClassifier.train([f"{d.title}\n{d.content}" for d in demands],
                               [tops[d.category_code[:2]] for d in demands])
    p_gen, lex = [], []
    for t in texts:
        got = dict(gen.predict_topk(t, k=len(gen.labels)))
        p_gen.append({code: got.get(tops[code], 0.0) for code in codes})
        ev = score_top_levels(city, t)
        lex.append({code: ev[code].score if code in ev else 0.0 for code in codes})

    neutral = math.log(1.0 / len(classes) + 0.01)
    grid = []
    for w in LEXICON_WEIGHTS:
        for b in EXPONENTS:
            pred, conf = [], []
            for i in range(len(texts)):
                raw = {}
                for code in codes:
                    s = GEN_EXPONENT * math.log(p_gen[i][code] + 0.01) + w * lex[i][code]
                    if code in start_col:
                        s += b * (math.log(p_start[i, start_col[code]] + 0.01) - neutral)
                    raw[code] = s
                top = max(raw.values())
                e = {c: math.exp(v - top) for c, v in raw.items()}
                best = max(e, key=lambda c: e[c])
                pred.append(best)
                conf.append(e[best] / sum(e.values()))
            right = [g == p for g, p in zip(gold, pred, strict=True)]
            ece, _ = reliability(conf, right)
            auto = [i for i, c in enumerate(conf) if c >= 0.85]
            grid.append({"lexicon_weight": w, "starter_exponent": b,
                         "macro_f1": round(float(f1_score(gold, pred, average="macro")), 4),
                         "accuracy": round(float(accuracy_score(gold, pred)), 4), "ece": ece,
                         "conf_ge_085": len(auto),
                         "conf_ge_085_accuracy": round(sum(right[i] for i in auto) / len(auto), 4) if auto else None})
    starter_alone = round(float(f1_score(y, p_start.argmax(1), average="macro")), 4)
    result: dict = {"n_dev": len(texts), "starter_oof_macro_f1": starter_alone,
                    "starter_temperature": round(temp, 4), "grid": grid}

    import time

    from hotline.routing.features import _cached_segment
    from hotline.routing.starter.model import get_starter

    shipped = get_starter()
    assert shipped is not None
    shipped.predict_proba("预热")
    _cached_segment.cache_clear()
    ms = []
    for t in texts:
        t0 = time.perf_counter()
        shipped.predict_proba(t)
        ms.append(1000 * (time.perf_counter() - t0))
    warm = []  # the text segmented already, as in the service (the category model cut it first)
    for t in texts[:256]:
        shipped.predict_proba(t)
        t0 = time.perf_counter()
        shipped.predict_proba(t)
        warm.append(1000 * (time.perf_counter() - t0))
    ms.sort()
    warm.sort()
    result["shipped_latency_ms"] = {"p50": round(ms[len(ms) // 2], 3), "p99": round(ms[int(len(ms) * 0.99)], 3),
                                    "p50_segmented": round(warm[len(warm) // 2], 3),
                                    "p99_segmented": round(warm[int(len(warm) * 0.99)], 3)}
    if args.shipped_on_test:
        import csv

        # the odd data rows, counted as bench/routing_dayone.py counts them
        with DATA.open(encoding="utf-8-sig", newline="") as fh:
            odd = [((r.get("text") or "").strip(), (r.get("label") or "").strip())
                   for i, r in enumerate(csv.DictReader(fh)) if i % 2 == 1]
        odd = [(t, lab) for t, lab in odd if lab in CITY_CODE and len(t) >= 2]
        pred_t = []
        for t, _ in odd:
            p = shipped.predict_proba(t)
            pred_t.append(max(p, key=lambda k: p[k]))
        gold_t = [lab for _, lab in odd]
        result["shipped_alone_test"] = {
            "n": len(odd), "macro_f1": round(float(f1_score(gold_t, pred_t, average="macro")), 4),
            "accuracy": round(float(accuracy_score(gold_t, pred_t)), 4)}
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return
    header("routing: tuning the starter's weight on the dev half (out-of-fold starter)")
    print(f"dev messages {len(texts)}; starter alone (out of fold) macro-F1 {starter_alone}")
    print(f"shipped starter latency (ms): {result['shipped_latency_ms']}")
    if "shipped_alone_test" in result:
        print(f"shipped starter alone on the test half (odd rows): {result['shipped_alone_test']}")
    print("lexicon w  starter b  macro-F1  accuracy  ECE     conf≥0.85 (accuracy)")
    for g in grid:
        print(f"{g['lexicon_weight']:<10} {g['starter_exponent']:<10} {g['macro_f1']:<9} {g['accuracy']:<9} "
              f"{g['ece']:<7} {g['conf_ge_085']} ({g['conf_ge_085_accuracy']})")


if __name__ == "__main__":
    main()
