"""Knowledge-base search latency over 50,000 entries on PostgreSQL (HOTLINE_BENCH_PG_URL + "_kb").

    python bench/knowledge_search.py [entries]

Entries are bulk-loaded with INSERT … SELECT from 10,000 generated demands
(question = title, answer = content; each text used five times with distinct
ids), their postings copied from the pool's jieba segmentation.  Each timed
query is the full ``knowledge.service.search`` path (segment the query, count
document frequencies, BM25 in SQL, load the entries) for a generated demand
the index has not seen.  The database is dropped at the end.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import PG_URL, drop_db, fresh_db, header, report  # noqa: E402

KB_URL = PG_URL + "_kb"  # its own scratch database, so it can run beside bench/duplicates.py


def main(n_entries: int = 50_000, pool_n: int = 10_000, queries: int = 200) -> None:
    from sqlalchemy import select

    from hotline.city.service import current_city
    from hotline.db import session_scope
    from hotline.demo.texts import generate_demands
    from hotline.knowledge import service
    from hotline.knowledge.models import KnowledgeEntry
    from hotline.org.models import Unit
    from hotline.textindex.segment import term_counts

    header(f"knowledge search latency, {n_entries:,} entries on PostgreSQL")
    engine = fresh_db(KB_URL)
    city = current_city()
    pool = generate_demands(city, pool_n, seed=21)
    with session_scope() as s:
        centre = s.scalar(select(Unit.id).where(Unit.type == "centre"))
    t0 = time.perf_counter()
    rows, posts = [], []
    for i, d in enumerate(pool):
        e = KnowledgeEntry(question=d.title, answer=d.content, policy_basis="", tags=[d.category_code])
        counts = term_counts(service.index_text(e))
        dl = max(1, sum(counts.values()))
        rows.append((i, d.title[:300], d.content, d.category_code))
        posts += [(i, t, c, dl) for t, c in counts.items()]
    raw = engine.raw_connection()
    cur = raw.cursor()
    cur.execute("create unlogged table kb_pool (i int primary key, q text, a text, c text)")
    cur.execute("create unlogged table kb_pool_post (i int, token text, tf int, dl int)")
    with cur.copy("copy kb_pool from stdin") as cp:
        for r in rows:
            cp.write_row(r)
    with cur.copy("copy kb_pool_post from stdin") as cp:
        for r in posts:
            cp.write_row(r)
    cur.execute(f"""
        insert into knowledge_entries (id, owner_unit_id, question, answer, policy_basis, tags, category_code,
          status, version, created_at, updated_at)
        select g, {centre}, p.q, p.a, '', json_build_array(p.c), p.c, 'active', 1, now(), now()
        from generate_series(1, {n_entries}) g join kb_pool p on p.i = g % {pool_n}""")
    cur.execute(f"""insert into text_postings (kind, token, doc_id, tf, dl)
        select 'kb', t.token, g, t.tf, t.dl from generate_series(1, {n_entries}) g
        join kb_pool_post t on t.i = g % {pool_n}""")
    raw.commit()
    raw.driver_connection.autocommit = True
    cur = raw.cursor()
    cur.execute("vacuum analyze")
    cur.execute("select count(*), pg_size_pretty(pg_total_relation_size('text_postings')) from text_postings")
    n_posts, size = cur.fetchone()
    raw.close()
    print(f"loaded {n_entries:,} entries, {n_posts:,} postings ({size}) in {time.perf_counter() - t0:.0f} s")
    qs = [f"{d.title} {d.content[:40]}" for d in generate_demands(city, queries, seed=77)]
    with session_scope() as s:
        for q in qs[:10]:
            service.search(s, q=q, limit=3)  # warm-up: connection, corpus statistics cache
        ms, hits = [], 0
        for q in qs:
            t = time.perf_counter()
            out = service.search(s, q=q, limit=3)
            ms.append((time.perf_counter() - t) * 1000)
            hits += bool(out)
    report("knowledge search (service.search, top 3)", ms)
    print(f"queries with at least one hit: {hits}/{len(qs)}")
    drop_db(KB_URL)
    print("bench database dropped")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
