"""Write and search the postings table, with BM25 ranking computed in SQL.

Cost model: a query touches only the postings of its rarest few tokens (at most
``MAX_QUERY_TOKENS``), found through the primary key ``(kind, token, doc_id)``;
very common tokens are left out when rarer ones exist, so a query never walks a
posting list as long as the corpus.  Corpus statistics (document count, mean
length) are cached for a minute once the corpus is large enough for it not to
matter.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, delete, func, insert, literal, select, union_all
from sqlalchemy.orm import Session

from hotline.textindex.models import TextPosting
from hotline.textindex.segment import term_counts, words

K1, B = 1.2, 0.75
MAX_QUERY_TOKENS = 8
DF_CAP = 20000  # counting stops here: a token this common is a stop word for ranking
_STATS: dict[tuple[str, str], tuple[float, int, float]] = {}


def posting_rows(kind: str, doc_id: int, text: str) -> list[dict[str, Any]]:
    counts = term_counts(text)
    dl = max(1, sum(counts.values()))
    return [{"kind": kind, "token": t, "doc_id": doc_id, "tf": n, "dl": dl} for t, n in counts.items()]


def index_doc(db: Session, *, kind: str, doc_id: int, text: str, new: bool = False) -> None:
    """(Re)index one document inside the caller's transaction.

    ``new``: the document was created in this transaction and has no postings yet, so there is
    nothing to delete first (a new order: one INSERT, no DELETE on the request path)."""
    if not new:
        remove_doc(db, kind=kind, doc_id=doc_id)
    rows = posting_rows(kind, doc_id, text)
    if rows:
        db.execute(insert(TextPosting), rows)


def remove_doc(db: Session, *, kind: str, doc_id: int) -> None:
    db.execute(delete(TextPosting).where(TextPosting.kind == kind, TextPosting.doc_id == doc_id))


def corpus_stats(db: Session, kind: str) -> tuple[int, float]:
    """(documents, mean length); cached for 60 s once there are 1,000+ documents."""
    key = (str(db.get_bind().engine.url), kind)
    hit = _STATS.get(key)
    if hit is not None and time.monotonic() - hit[0] < 60:
        return hit[1], hit[2]
    n = db.scalar(select(func.count(func.distinct(TextPosting.doc_id))).where(TextPosting.kind == kind)) or 0
    total = db.scalar(select(func.sum(TextPosting.tf)).where(TextPosting.kind == kind)) or 0
    avgdl = (total / n) if n else 1.0
    if n >= 1000:
        _STATS[key] = (time.monotonic(), n, avgdl)
    return n, avgdl


def doc_freqs(db: Session, kind: str, tokens: Iterable[str]) -> dict[str, int]:
    """How many documents hold each token (counted up to ``DF_CAP``), in one round trip."""
    toks = sorted(set(tokens))
    if not toks:
        return {}
    # padded with the empty token (no posting holds it: ``segment.words`` drops empty words) to a multiple
    # of 8, so the statement has 3 shapes for up to 24 tokens and SQLAlchemy compiles each once per process
    # instead of once per token count (a 24-way UNION ALL took ~40 ms to compile on the intake assistant)
    padded = toks + [""] * (-len(toks) % 8)
    parts = []
    for t in padded:
        sub = select(TextPosting.doc_id).where(TextPosting.kind == kind, TextPosting.token == t).limit(DF_CAP)
        parts.append(select(literal(t).label("t"),
                            select(func.count()).select_from(sub.subquery()).scalar_subquery().label("n")))
    found = {r[0]: int(r[1]) for r in db.execute(union_all(*parts))}
    return {t: found[t] for t in toks}


def idf(n: int, df: int) -> float:
    n = max(n, df)
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


@dataclass(frozen=True)
class Hit:
    doc_id: int
    score: float


def query_tokens(db: Session, kind: str, query: str) -> tuple[dict[str, float], int, float]:
    """The query's rarest tokens with their IDF, and the corpus statistics."""
    toks = list(dict.fromkeys(words(query)))[:24]
    if not toks:
        return {}, 0, 1.0
    n, avgdl = corpus_stats(db, kind)
    df = doc_freqs(db, kind, toks)
    present = sorted((t for t in toks if df[t] > 0), key=lambda t: df[t])
    if len(present) > 1:
        rare = [t for t in present if df[t] <= max(n, 1) * 0.3]
        present = rare or present[:1]
    chosen = present[:MAX_QUERY_TOKENS]
    return {t: idf(n, df[t]) for t in chosen}, n, avgdl


def search(db: Session, *, kind: str, query: str, limit: int = 20, scope: Select[Any] | None = None) -> list[Hit]:
    """Documents of ``kind`` ranked by BM25 for ``query``; ``scope`` selects the allowed doc ids."""
    weights, _n, avgdl = query_tokens(db, kind, query)
    if not weights:
        return []
    p = TextPosting
    w = case(weights, value=p.token, else_=0.0)
    tf = p.tf * 1.0
    score = func.sum(w * tf * (K1 + 1) / (tf + K1 * (1 - B + B * p.dl / avgdl))).label("score")
    stmt = select(p.doc_id, score).where(p.kind == kind, p.token.in_(list(weights)))
    if scope is not None:
        stmt = stmt.where(p.doc_id.in_(scope))
    stmt = stmt.group_by(p.doc_id).order_by(score.desc(), p.doc_id.desc()).limit(limit)
    return [Hit(int(r[0]), float(r[1])) for r in db.execute(stmt)]
