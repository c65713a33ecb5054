"""Day-one city: does a freshly seeded demo (青阳市) route *real* messages?

Seeds a fresh demo database (SQLite in a temporary folder: the city, its users and the starting models
the demo trains from its own generator, exactly as ``hotline demo`` does; no orders), then posts N real
messages to ``POST /api/v1/routing/suggest`` as the dispatcher and compares the first-level category of
the top suggestion with the message's label.

Label mapping: the seven Teddy Cup first-level labels of messages_train.csv are, by name, the demo
city's seven first-level categories (城乡建设 01, 环境保护 02, 交通运输 03, 教育文体 04, 劳动和社会保障 05,
商贸旅游 06, 卫生计生 07), so the mapping is the identity on names (``CITY_CODE`` below).

The real messages are read from the shared data folder at run time and never stored. They are split in
two by row number: ``--split dev`` (even rows) is the half we read mistakes on while writing the
catalogue; ``--split test`` (odd rows) is only measured. N messages are drawn per split, stratified by
label, seed 0.

Also printed: the reliability table and expected calibration error (ECE, 10 equal-width bins) of the
top category's confidence and of the top unit's confidence (the one the auto-dispatch threshold reads),
and how many messages would be auto-dispatched at the configured threshold, with their accuracy.

    .venv/bin/python bench/routing_dayone.py [--n 420] [--split test] [--json]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import header  # noqa: E402

DATA = Path(os.environ.get("HOTLINE_SHARED_DATA", "/work/shared/data")) / "messages_train.csv"
CITY_CODE = {"城乡建设": "01", "环境保护": "02", "交通运输": "03", "教育文体": "04", "劳动和社会保障": "05",
             "商贸旅游": "06", "卫生计生": "07"}


def sample(n: int, split: str, seed: int = 0) -> list[tuple[str, str]]:
    """N (text, label) rows of the split, stratified by label (proportional, at least one each)."""
    by_label: dict[str, list[str]] = defaultdict(list)
    with DATA.open(encoding="utf-8-sig", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh)):
            text, label = (row.get("text") or "").strip(), (row.get("label") or "").strip()
            if label in CITY_CODE and len(text) >= 2 and (i % 2 == 0) == (split == "dev"):
                by_label[label].append(text)
    total = sum(len(v) for v in by_label.values())
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    for label in sorted(by_label):
        rows = by_label[label]
        k = max(1, round(n * len(rows) / total))
        out += [(t, label) for t in rng.sample(rows, min(k, len(rows)))]
    rng.shuffle(out)
    return out[:n]


def reliability(conf: list[float], right: list[bool], bins: int = 10) -> tuple[float, list[dict]]:
    """ECE over equal-width bins, and the table (bin, n, mean confidence, accuracy)."""
    table, ece = [], 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        idx = [i for i, c in enumerate(conf) if (lo <= c < hi) or (b == bins - 1 and c == 1.0)]
        if not idx:
            continue
        mc = sum(conf[i] for i in idx) / len(idx)
        acc = sum(right[i] for i in idx) / len(idx)
        ece += len(idx) / len(conf) * abs(mc - acc)
        table.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": len(idx), "confidence": round(mc, 3),
                      "accuracy": round(acc, 3)})
    return round(ece, 4), table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=420)
    ap.add_argument("--split", choices=["dev", "test"], default="test")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--errors", type=int, default=0, help="print this many mistakes (dev split only)")
    ap.add_argument("--history-model", action="store_true",
                    help="a city with history: replace the demo's category model by one trained on every "
                         "row of the dev half (never the test half), to check the lexicon does not overrule it")
    args = ap.parse_args()
    if not DATA.is_file():
        print(f"no data file {DATA}: nothing to measure")
        return
    tmp = Path(tempfile.mkdtemp(prefix="dayone-"))
    os.environ["HOTLINE_DATABASE_URL"] = f"sqlite:///{tmp / 'demo.db'}"
    os.environ["HOTLINE_DATA_DIR"] = str(tmp)
    os.environ.setdefault("HOTLINE_PASSWORD_HASH_FAST", "true")
    from sklearn.metrics import accuracy_score, f1_score

    import hotline.models  # noqa: F401
    from hotline import db as dbmod
    from hotline import registry
    from hotline.city.service import current_city
    from hotline.config import get_settings

    get_settings.cache_clear() if hasattr(get_settings, "cache_clear") else None
    from hotline.migrate import upgrade

    registry.install()  # every package, in the declared order (hotline/registry.py)
    engine = dbmod.configure(os.environ["HOTLINE_DATABASE_URL"])
    upgrade(os.environ["HOTLINE_DATABASE_URL"])  # as `hotline demo` does: the migrations make the city's row
    dbmod.Base.metadata.create_all(engine)
    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from hotline.demo.seed import seed_demo
    from hotline.main import create_app
    from hotline.org.auth import create_api_token
    from hotline.org.models import User

    t0 = time.perf_counter()
    with dbmod.session_scope() as s:
        seed_demo(s, current_city(), orders=0)
        user = s.scalar(select(User).where(User.username == "dispatcher"))
        assert user is not None
        token = create_api_token(s, user, "bench")
        if args.history_model:
            from hotline.routing.training import register

            hist = sample(10**6, "dev")
            register(s, purpose="category", texts=[t for t, _ in hist], labels=[lab for _, lab in hist],
                     source=f"csv dev half ({len(hist)} real messages)", actor="bench")
    seed_s = time.perf_counter() - t0
    threshold = get_settings().auto_dispatch_threshold

    rows = sample(args.n, args.split)
    client = TestClient(create_app())
    headers = {"Authorization": f"Bearer {token}"}
    gold, pred, cat_conf, unit_conf, flagged, leaf = [], [], [], [], [], []
    errors = []
    t0 = time.perf_counter()
    for text, label in rows:
        r = client.post("/api/v1/routing/suggest", json={"content": text[:4000]}, headers=headers)
        r.raise_for_status()
        body = r.json()
        cats = body["categories"]
        top = cats[0]["code"][:2] if cats else ""
        gold.append(CITY_CODE[label])
        pred.append(top)
        # the probability of the first-level category (what is judged here); older servers: the top entry's
        levels = body.get("top_levels") or cats
        cat_conf.append(float(levels[0]["confidence"]) if levels else 0.0)
        units = body["units"]
        unit_conf.append(float(units[0]["confidence"]) if units else 0.0)
        flagged.append(bool(body["flags"].get("emergency") or body["flags"].get("out_of_scope")))
        leaf.append(bool(cats) and len(cats[0]["code"]) == 6 and bool(body.get("top_levels"))
                    and body["top_levels"][0]["code"] == cats[0]["code"][:2])
        if top != CITY_CODE[label]:
            errors.append((label, cats[0]["name"] if cats else "-", cats[0]["reasons"] if cats else [], text))
    post_s = time.perf_counter() - t0
    right = [g == p for g, p in zip(gold, pred, strict=True)]
    labels = sorted(set(gold))
    ece_cat, table_cat = reliability(cat_conf, right)
    ece_unit, table_unit = reliability(unit_conf, right)
    # the rule of routing.flows.record_suggestion for a self-service order
    auto = [i for i, c in enumerate(unit_conf)
            if c >= threshold and cat_conf[i] >= threshold and leaf[i] and not flagged[i]]
    auto_unit_only = [i for i, c in enumerate(unit_conf) if c >= threshold and not flagged[i]]
    result = {
        "split": args.split, "n": len(rows), "history_model": args.history_model,
        "macro_f1": round(float(f1_score(gold, pred, labels=labels, average="macro", zero_division=0)), 4),
        "accuracy": round(float(accuracy_score(gold, pred)), 4),
        "per_class": {lab: round(float(f), 4) for lab, f in zip(
            labels, f1_score(gold, pred, labels=labels, average=None, zero_division=0), strict=True)},
        "ece_category": ece_cat, "reliability_category": table_cat,
        "ece_unit": ece_unit, "reliability_unit": table_unit,
        "auto_dispatch_threshold": threshold, "auto_dispatched": len(auto),
        "auto_dispatched_category_accuracy": round(sum(right[i] for i in auto) / len(auto), 4) if auto else None,
        "unit_only_rule_auto": len(auto_unit_only),
        "unit_only_rule_accuracy": (round(sum(right[i] for i in auto_unit_only) / len(auto_unit_only), 4)
                                    if auto_unit_only else None),
        "confusion": {f"{g}→{p}": n for (g, p), n in sorted(Counter(zip(gold, pred, strict=True)).items())
                      if g != p},
        "seed_seconds": round(seed_s, 1), "ms_per_post": round(1000 * post_s / max(1, len(rows)), 2),
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        header("routing: day-one demo city on real messages")
        for k, v in result.items():
            print(f"{k}: {v}")
    if args.errors and args.split == "dev":
        for label, name, reasons, text in errors[: args.errors]:
            print(f"--- gold {label} · got {name} · {reasons}\n{text[:300]}")


if __name__ == "__main__":
    main()
