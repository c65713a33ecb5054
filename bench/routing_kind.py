"""Demand kind and urgency on real messages: the rules of ``hotline.routing.rules`` against our labels.

Labels: ``bench/labels/kind_urgency.csv`` (留言编号, kind, urgent), 300 messages of
unlabeled_messages.csv drawn with ``random.Random(0).sample(rows, 300)``, each labelled by reading
(rules in docs/routing.md, "Kind and urgency"). Only ids and labels are in the repository; the texts
are read from the shared data folder at run time.

The labels are split by their order in the file: the first 150 (``dev``) are the ones we read the
rules' mistakes on while improving ``rules.py``; the last 150 (``test``) were only measured. Printed:
kind accuracy and macro-F1 for the rules and for the majority baseline (always the most frequent
kind of the dev half), the confusion of the rules, and urgency precision / recall.

    .venv/bin/python bench/routing_kind.py [--json] [--errors N]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DATA = Path(os.environ.get("HOTLINE_SHARED_DATA", "/work/shared/data")) / "unlabeled_messages.csv"
LABELS = Path(__file__).resolve().parent / "labels" / "kind_urgency.csv"
ZH = {"consultation": "咨询", "help": "求助", "complaint": "投诉", "report": "举报", "suggestion": "建议",
      "praise": "表扬"}


def main() -> None:
    from sklearn.metrics import accuracy_score, f1_score

    from hotline.city.service import current_city
    from hotline.routing.rules import read_flags

    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--errors", type=int, default=0, help="print this many dev-half mistakes")
    args = ap.parse_args()
    if not DATA.is_file():
        print(f"no data file {DATA}: nothing to measure")
        return
    with DATA.open(encoding="utf-8-sig", newline="") as fh:
        texts = {r["留言编号"]: f"{r['留言主题']}\n{r['留言详情']}" for r in csv.DictReader(fh)}
    with LABELS.open(encoding="utf-8", newline="") as fh:
        labels = list(csv.DictReader(fh))
    city = current_city()
    halves = {"dev": labels[:150], "test": labels[150:], "all": labels}
    majority = Counter(r["kind"] for r in halves["dev"]).most_common(1)[0][0]
    out: dict[str, dict] = {}
    errors = []
    for name, rows in halves.items():
        gold = [r["kind"] for r in rows]
        flags = [read_flags(city, texts[r["留言编号"]]) for r in rows]
        pred = [ZH[f.kind.value] for f in flags]
        kinds = sorted(set(gold) | set(pred))
        u_gold = [r["urgent"] == "1" for r in rows]
        u_pred = [f.urgent for f in flags]
        tp = sum(g and p for g, p in zip(u_gold, u_pred, strict=True))
        out[name] = {
            "n": len(rows),
            "kind_accuracy": round(accuracy_score(gold, pred), 4),
            "kind_macro_f1": round(float(f1_score(gold, pred, labels=kinds, average="macro", zero_division=0)), 4),
            "majority": majority,
            "majority_accuracy": round(sum(g == majority for g in gold) / len(gold), 4),
            "gold_counts": dict(Counter(gold)),
            "confusion": {f"{g}→{p}": n for (g, p), n in sorted(Counter(zip(gold, pred, strict=True)).items())
                          if g != p},
            "urgent_labelled": sum(u_gold), "urgent_flagged": sum(u_pred),
            "urgent_precision": round(tp / sum(u_pred), 4) if sum(u_pred) else None,
            "urgent_recall": round(tp / sum(u_gold), 4) if sum(u_gold) else None,
            "emergency_flagged": sum(1 for f in flags if f.emergency),
        }
        if name == "dev":
            errors = [(r["留言编号"], g, p, f.kind_words, texts[r["留言编号"]][:160])
                      for r, g, p, f in zip(rows, gold, pred, flags, strict=True) if g != p]
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        for name, r in out.items():
            print(name, json.dumps(r, ensure_ascii=False))
    for e in errors[: args.errors]:
        print("---", *e)


if __name__ == "__main__":
    main()
