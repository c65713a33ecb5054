"""Reply-quality check on real replies: the perfunctory flag and the 3 levels against hand judgements.

    python bench/replies_quality.py                 # the held-out split (the figure we report)
    python bench/replies_quality.py --split dev     # the split the rules were tuned on
    python bench/replies_quality.py --split all --json
    python bench/replies_quality.py --split dev --errors   # list disagreements (dev only, for tuning)

Labels: bench/labels/reply_quality.csv (留言编号, judged level 0/1/2, dev/test split); judging rules in
docs/replies.md.  Texts: replies.csv in the shared data folder (``HOTLINE_REPLIES_CSV`` overrides);
nothing of it is stored in the repository.  Baseline from the same run: reply length, with the
thresholds that do best on the dev split (so the baseline is tuned as much as the rules were).
"Long" replies are those of 300 characters or more.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hotline.replies.quality import score  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "bench" / "labels" / "reply_quality.csv"
DATA = Path(os.environ.get("HOTLINE_REPLIES_CSV", ROOT.parent / "shared" / "data" / "replies.csv"))
if not DATA.exists():
    DATA = Path("/work/shared/data/replies.csv")
LONG = 300


def load() -> list[dict[str, Any]]:
    with DATA.open(encoding="utf-8") as fh:
        texts = {r["留言编号"]: r for r in csv.DictReader(fh)}
    rows = []
    with LABELS.open(encoding="utf-8") as fh:
        for lab in csv.DictReader(fh):
            t = texts[lab["id"]]
            rows.append({"id": lab["id"], "label": int(lab["label"]), "split": lab["split"], "subject": t["留言主题"],
                         "message": t["留言详情"], "reply": t["答复意见"]})
    return rows


def prf(pred: list[bool], gold: list[bool]) -> dict[str, float | int]:
    tp = sum(p and g for p, g in zip(pred, gold, strict=True))
    fp = sum(p and not g for p, g in zip(pred, gold, strict=True))
    fn = sum(g and not p for p, g in zip(pred, gold, strict=True))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"n": len(gold), "positives": sum(gold), "tp": tp, "fp": fp, "fn": fn,
            "precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3)}


def confusion(pred: list[int], gold: list[int]) -> list[list[int]]:
    """Rows: judged 0/1/2; columns: predicted 0/1/2."""
    m = [[0, 0, 0] for _ in range(3)]
    for p, g in zip(pred, gold, strict=True):
        m[g][p] += 1
    return m


def length_levels(n: int, t0: int, t1: int) -> int:
    return 0 if n < t0 else 1 if n < t1 else 2


def tune_length(rows: list[dict]) -> tuple[int, int]:
    """Thresholds for the length baseline: t0 maximises the flag's F1 on dev, t1 the 3-level accuracy."""
    gold0 = [r["label"] == 0 for r in rows]
    lens = [len(r["reply"]) for r in rows]
    best0 = max(range(10, 801, 5), key=lambda t: (prf([n < t for n in lens], gold0)["f1"], -t))
    best1 = max(range(best0, 1501, 10),
                key=lambda t: sum(length_levels(n, best0, t) == r["label"] for n, r in zip(lens, rows, strict=True)))
    return best0, best1


def evaluate(rows: list[dict], t0: int, t1: int) -> dict:
    ours = [score(reply=r["reply"], message=r["message"], subject=r["subject"]) for r in rows]
    gold = [r["label"] for r in rows]
    base = [length_levels(len(r["reply"]), t0, t1) for r in rows]
    out = {
        "ours": {"flag": prf([s.flag for s in ours], [g == 0 for g in gold]),
                 "levels_accuracy": round(sum(s.quality == g for s, g in zip(ours, gold, strict=True)) / len(gold), 3),
                 "confusion": confusion([s.quality for s in ours], gold)},
        "length_baseline": {"thresholds": [t0, t1], "flag": prf([b == 0 for b in base], [g == 0 for g in gold]),
                            "levels_accuracy": round(sum(b == g for b, g in zip(base, gold, strict=True)) / len(gold), 3),
                            "confusion": confusion(base, gold)},
    }
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", choices=("test", "dev", "all"), default="test")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--errors", action="store_true", help="print disagreements (refused on the test split)")
    a = ap.parse_args()
    if not DATA.exists():
        sys.exit(f"replies.csv not found at {DATA}")
    rows = load()
    dev = [r for r in rows if r["split"] == "dev"]
    t0, t1 = tune_length(dev)
    sel = rows if a.split == "all" else [r for r in rows if r["split"] == a.split]
    longs = [r for r in sel if len(r["reply"]) >= LONG]
    timings = []
    for r in rows:
        t = time.perf_counter()
        score(reply=r["reply"], message=r["message"], subject=r["subject"])
        timings.append((time.perf_counter() - t) * 1000)
    res = {"split": a.split, "n": len(sel), "all": evaluate(sel, t0, t1),
           f"long_replies_{LONG}+": evaluate(longs, t0, t1) if longs else None,
           "scoring_ms": {"n": len(timings), "p50": round(statistics.median(timings), 2),
                          "p95": round(sorted(timings)[int(len(timings) * 0.95) - 1], 2),
                          "max": round(max(timings), 2)}}
    if a.errors:
        if a.split == "test":
            sys.exit("--errors is for the dev split: the test split is not to be tuned on")
        for r in sel:
            s = score(reply=r["reply"], message=r["message"], subject=r["subject"])
            if s.quality != r["label"]:
                print(f"#{r['id']} judged {r['label']} got {s.quality} len={len(r['reply'])} "
                      f"ev={','.join(s.evidence)} | {'; '.join(x.zh for x in s.reasons)}")
                print("   ", r["subject"][:40], "=>", r["reply"][:160].replace("\n", " "))
    if a.json:
        print(json.dumps(res, ensure_ascii=False))
        return
    from _common import header

    header(f"reply quality · split={a.split}")
    for name, part in (("all replies", res["all"]), (f"long replies (≥{LONG} chars)", res[f"long_replies_{LONG}+"])):
        if not part:
            continue
        o, b = part["ours"], part["length_baseline"]
        print(f"\n## {name}: n={o['flag']['n']}, judged perfunctory={o['flag']['positives']}")
        for label, x in (("rules", o), (f"length<{b['thresholds'][0]}", b)):
            f = x["flag"]
            print(f"  {label:14} flag P={f['precision']:.3f} R={f['recall']:.3f} F1={f['f1']:.3f} "
                  f"(tp {f['tp']} fp {f['fp']} fn {f['fn']})  3-level acc={x['levels_accuracy']:.3f}")
        for label, x in (("rules", o), ("length", b)):
            print(f"  confusion ({label}; rows judged 0/1/2, cols predicted 0/1/2): {x['confusion']}")
    s = res["scoring_ms"]
    print(f"\nscoring time per reply: p50 {s['p50']} ms, p95 {s['p95']} ms, max {s['max']} ms (n={s['n']})")


if __name__ == "__main__":
    main()
