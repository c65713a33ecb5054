"""Duplicate detection: quality on real messages (labelled pairs) and lookup latency at 1,000,000 orders.

    python bench/duplicates.py quality [--json]  # P/R/F1 on the judged pairs, ours vs char TF-IDF cosine
    python bench/duplicates.py latency     # PostgreSQL, HOTLINE_BENCH_PG_URL; drops the DB at the end
    python bench/duplicates.py latency --keep            # load, time, keep the database
    python bench/duplicates.py latency --reuse --keep    # time again on the kept database (no reload)
    python bench/duplicates.py latency --reuse --rounds 3  # three timed passes, then drop it

(``BENCH_KEEP=1`` / ``BENCH_REUSE=1`` in the environment do the same as the flags.)

Latency set-up: 1,000,000 orders bulk-loaded with INSERT … SELECT from a pool of
10,000 generated demands (hotline.demo.texts); 10 % of them open and created
within the last 30 days (100,000 in the duplicate index, as a large city's open
workload), the rest closed over the year before.  The index (postings and
prepared vectors) is built in bulk from the pool.  Each timed lookup is the
full ``duplicates.service.find`` path: prepare the draft (jieba), read the
rare-token postings, load and score up to ``max_candidates`` (40) candidates.
The machine is shared: compare settings in the same session, several rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import attach_db, drop_db, fresh_db, header, report  # noqa: E402


def quality(as_json: bool = False) -> None:
    """Ours (the platform's scorer at its threshold) beside plain char TF-IDF cosine, same run.

    Sets: the held-out ``test`` split of bench/labels/dup_pairs.csv (the model and the threshold were fitted
    on ``dev`` only), all 426 pairs, and the 100 older pairs of bench/dup_labels.csv (another sample, drawn
    by the old scorer's bands and labelled from titles).  The baseline's threshold is tuned on ``dev`` and
    also shown at its best on each set (optimistic for it).
    """
    import csv

    import numpy as np

    from bench.dup_pairs import LABELS, best_threshold, char_tfidf, messages, prf, text
    from hotline.duplicates.cli import evaluate_pairs

    header("duplicates: quality on hot_messages.csv labelled pairs")
    msgs = messages()
    texts = {i: text(r) for i, r in msgs.items()}
    ids = list(msgs)
    pos = {i: k for k, i in enumerate(ids)}
    x = char_tfidf([texts[i] for i in ids])
    rows = list(csv.DictReader(LABELS.open(encoding="utf-8")))
    sets = {"test": [(r["id_a"], r["id_b"], int(r["same"])) for r in rows if r["split"] == "test"],
            "dev": [(r["id_a"], r["id_b"], int(r["same"])) for r in rows if r["split"] == "dev"],
            "all 426": [(r["id_a"], r["id_b"], int(r["same"])) for r in rows],
            "older 100": [(r["id_a"], r["id_b"], int(r["label"]))
                          for r in csv.DictReader((LABELS.parent.parent / "dup_labels.csv").open(encoding="utf-8"))]}

    def cos(pairs: list[tuple[str, str, int]]):  # type: ignore[no-untyped-def]
        return (np.array([float(x[pos[a]].multiply(x[pos[b]]).sum()) for a, b, _ in pairs]),
                np.array([y for *_, y in pairs]))

    s_dev, y_dev = cos(sets["dev"])
    t_dev = best_threshold(s_dev, y_dev)
    out = {}
    for name, pairs in sets.items():
        ours = evaluate_pairs(texts, pairs)
        s, y = cos(pairs)
        tb = best_threshold(s, y)
        out[name] = {"pairs": len(pairs), "duplicates": int(y.sum()), "ours": ours,
                     "char_tfidf_dev_threshold": dict(zip(("precision", "recall", "f1"), prf(s, y, t_dev), strict=True))
                     | {"threshold": t_dev},
                     "char_tfidf_best": dict(zip(("precision", "recall", "f1"), prf(s, y, tb), strict=True))
                     | {"threshold": tb}}
    if as_json:
        print(json.dumps(out))
        return
    for name, o in out.items():
        print(f"{name}: {o['pairs']} pairs, {o['duplicates']} duplicates")
        for k in ("ours", "char_tfidf_dev_threshold", "char_tfidf_best"):
            v = o[k]
            print(f"  {k:26s} t={v['threshold']:.2f} P={v['precision']:.3f} R={v['recall']:.3f} F1={v['f1']:.3f}")


def load(engine, city, pool, n_orders: int, pool_n: int) -> None:  # type: ignore[no-untyped-def]
    """Bulk-load the orders and build the duplicate index from the prepared pool."""
    from sqlalchemy import select

    from hotline.db import session_scope
    from hotline.duplicates import index
    from hotline.duplicates.similarity import Doc
    from hotline.org.models import Unit

    sc = index.scorer()
    t0 = time.perf_counter()
    with session_scope() as s:
        units = {u.code: u.id for u in s.scalars(select(Unit))}
    rows, toks = [], []
    for i, d in enumerate(pool):
        doc = Doc(f"{d.title}\n{d.content}", d.address, d.territory_code, d.category_code)
        prep = sc.prepare(doc)
        rows.append((i, d.kind.value, d.title[:100], d.content, d.address, units.get(d.territory_code),
                     d.category_code, json.dumps(prep.to_json(), ensure_ascii=False)))
        toks += [(i, t) for t in index.tokens_for(doc, prep, sc)]
    print(f"pool of {pool_n:,} prepared in {time.perf_counter() - t0:.0f} s ({len(toks):,} tokens)")
    t0 = time.perf_counter()
    raw = engine.raw_connection()
    cur = raw.cursor()
    cur.execute("create unlogged table bench_pool (i int primary key, kind text, title text, content text, "
                "address text, territory_id int, category_code text, feats jsonb)")
    cur.execute("create unlogged table bench_tokens (i int, token text)")
    with cur.copy("copy bench_pool from stdin") as cp:
        for r in rows:
            cp.write_row(r)
    with cur.copy("copy bench_tokens from stdin") as cp:
        for r in toks:
            cp.write_row(r)
    cur.execute(f"""
        insert into orders (id, number, channel, kind, title, content, citizen_phone, anonymous, confidential,
          address, territory_unit_id, urgency, status, pending_extension, via_subcentre, category_code,
          created_at, updated_at, first_contact_resolved, return_count, redispatch_count, reopen_count,
          extension_count, version, deadline_uncertain)
        select g, 'B' || g, 'phone', p.kind, p.title, p.content, '139' || lpad(g::text, 8, '0'), false, false,
          p.address, p.territory_id, 'normal', case when g % 10 = 0 then 'received' else 'closed' end, false,
          false, p.category_code,
          case when g % 10 = 0 then now() - (g % 2500000) * interval '1 second'
               else now() - interval '31 days' - (g % 30000000) * interval '1 second' end,
          now(), false, 0, 0, 0, 0, 1, false
        from generate_series(1, {n_orders}) g join bench_pool p on p.i = g % {pool_n}""")
    cur.execute("insert into dup_postings (token, created_at, order_id) select t.token, o.created_at, o.id "
                f"from orders o join bench_tokens t on t.i = o.id % {pool_n} where o.status = 'received' "
                "on conflict do nothing")
    cur.execute("insert into dup_docs (order_id, feats) select o.id, p.feats::json from orders o "
                f"join bench_pool p on p.i = o.id % {pool_n} where o.status = 'received'")
    raw.commit()
    raw.driver_connection.autocommit = True
    cur = raw.cursor()
    cur.execute("vacuum analyze")
    cur.execute("select count(*) from orders")
    n = cur.fetchone()[0]
    cur.execute("select count(*), count(distinct order_id) from dup_postings")
    posts, indexed = cur.fetchone()
    cur.execute("select pg_size_pretty(pg_total_relation_size('dup_postings')), "
                "pg_size_pretty(pg_total_relation_size('dup_docs'))")
    sizes = cur.fetchone()
    raw.close()
    print(f"loaded {n:,} orders, {indexed:,} open in the index ({posts:,} postings, {sizes[0]}; "
          f"vectors {sizes[1]}) in {time.perf_counter() - t0:.0f} s")


def latency(n_orders: int = 1_000_000, pool_n: int = 10_000, queries: int = 200, *, reuse: bool = False,
            keep: bool = False, rounds: int = 1) -> None:
    from sqlalchemy import select, text

    from hotline.city.service import current_city
    from hotline.db import session_scope
    from hotline.demo.texts import generate_demands, generate_duplicate_cluster
    from hotline.duplicates import service
    from hotline.duplicates.similarity import Doc
    from hotline.org.models import User

    header(f"duplicates: lookup latency, {n_orders:,} orders on PostgreSQL")
    reuse = reuse or os.environ.get("BENCH_REUSE") == "1"  # a database loaded by an earlier run of this script
    keep = keep or os.environ.get("BENCH_KEEP") == "1"
    engine = attach_db() if reuse else fresh_db()
    city = current_city()
    pool = generate_demands(city, pool_n, seed=11)
    if not reuse:
        load(engine, city, pool, n_orders, pool_n)
    drafts = []
    other = generate_demands(city, queries, seed=99)
    for i, base in enumerate(other):
        src = pool[i * 37 % pool_n] if i % 2 == 0 else base
        try:
            twin = generate_duplicate_cluster(city, src, 1, seed=i)[0]
        except ValueError:
            twin = src
        drafts.append(Doc(f"{twin.title}\n{twin.content}", twin.address, twin.territory_code, twin.category_code))
    with session_scope() as s:
        user = s.scalar(select(User).where(User.username == "dispatcher"))
        for d in drafts[:10]:
            service.find(s, user=user, doc=d)  # warm the connection pool and caches
        for r in range(rounds):
            ms, found = [], 0
            for d in drafts:
                t = time.perf_counter()
                out = service.find(s, user=user, doc=d)
                ms.append((time.perf_counter() - t) * 1000)
                found += bool(out and out[0].likely)
            report("duplicate lookup (service.find, full path)" + (f", round {r + 1}" if rounds > 1 else ""), ms)
        s.execute(text("select 1"))
    print(f"drafts with a likely duplicate found: {found}/{len(drafts)} (half are generated near-duplicates)")
    if keep:
        print("bench database kept (--keep); time again with --reuse, drop it with --reuse and no --keep")
    else:
        drop_db()
        print("bench database dropped")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", nargs="?", default="quality", choices=["quality", "latency"])
    ap.add_argument("orders", nargs="?", type=int, default=1_000_000, help="latency: orders to load")
    ap.add_argument("--keep", action="store_true", help="latency: keep the bench database at the end")
    ap.add_argument("--reuse", action="store_true", help="latency: time on the database a --keep run left")
    ap.add_argument("--rounds", type=int, default=1, help="latency: timed passes over the drafts")
    ap.add_argument("--json", action="store_true", help="quality: print one JSON object")
    a = ap.parse_args()
    if a.what == "quality":
        quality(a.json)
    else:
        latency(a.orders, reuse=a.reuse, keep=a.keep, rounds=a.rounds)
