"""The statistics the duplicate scorer weighs words and places by, fitted from the city's own orders.

Why from the orders: how specific a word or a place is depends on the city —
"丽发新城" is rare in one city and everywhere in another — and generated demo
text says nothing about real callers.  ``hotline duplicates refit`` (and the
demo seed, from the seeded orders) fits the IDF table on the newest orders
(title and content, every status) and writes it to
``<data_dir>/models/duplicates_stats.json``; the open orders' stored vectors
are rebuilt with it in the same transaction, so the index never mixes two tables.

Fallback, in this order: the stats file; else, the first time a scorer is
needed, a fit on the newest ``FALLBACK_ORDERS`` orders in the database when there are at
least ``MIN_ORDERS`` (kept in memory for the process, with a warning to run ``refit``); else no statistics at all
(every word and place counts as rare: plain tf cosine).  Nothing here imports
the demo generator.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.duplicates.similarity import fit_idf
from hotline.orders.models import Order

log = logging.getLogger(__name__)
MIN_ORDERS = 100
MAX_ORDERS = 20_000
FALLBACK_ORDERS = 2_000  # the in-process fallback fit stays a few seconds, once per process


def stats_path() -> Path:
    """The acting city's statistics file (the home city keeps the original name)."""
    from hotline.city.tenancy import current_scope, home_code
    from hotline.config import get_settings

    code = current_scope().code
    name = "duplicates_stats.json" if code in (home_code(), "*") else f"duplicates_stats.{code}.json"
    return get_settings().model_dir / name


def load() -> tuple[dict[str, float], dict[str, Any]] | None:
    """The fitted table and its metadata, or None when no refit has been run."""
    p = stats_path()
    if not p.is_file():
        return None
    try:
        d = json.loads(p.read_text(encoding="utf-8"))
        return {k: float(v) for k, v in d["idf"].items()}, d.get("meta", {})
    except (OSError, ValueError, KeyError, TypeError):
        log.exception("unreadable duplicate statistics %s: falling back", p)
        return None


def mtime() -> float | None:
    try:
        return stats_path().stat().st_mtime
    except OSError:
        return None


def order_texts(db: Session, limit: int = MAX_ORDERS) -> list[str]:
    rows = db.execute(select(Order.title, Order.content).order_by(Order.created_at.desc(), Order.id.desc())
                      .limit(limit))
    return [f"{t}\n{c}" for t, c in rows]


def fit(texts: Iterable[str], gazetteer: Iterable[str] = ()) -> dict[str, float]:
    return fit_idf(texts, gazetteer)


def write(idf: dict[str, float], meta: dict[str, Any]) -> Path:
    p = stats_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_suffix(".tmp")
    tmp.write_text(json.dumps({"meta": meta, "idf": {k: round(v, 4) for k, v in idf.items()}},
                              ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, p)
    return p


def refit(db: Session, *, actor_label: str, actor_id: int | None = None, now: datetime | None = None,
          limit: int = MAX_ORDERS) -> dict[str, Any]:
    """Fit on the newest ``limit`` orders, write the file, rebuild the open orders' vectors (audited)."""
    from hotline.db import utcnow
    from hotline.duplicates import index
    from hotline.org.models import AuditLog

    now = now or utcnow()
    texts = order_texts(db, limit)
    idf = fit(texts, index.gazetteer())
    meta = {"orders": len(texts), "fitted_at": now.isoformat(), "source": "orders"}
    write(idf, meta)
    index.reset_scorer()
    reindexed = index.rebuild(db)
    db.add(AuditLog(actor_id=actor_id, actor_label=actor_label, action="duplicates.refit", entity="duplicates",
                    entity_id="stats", data={**meta, "keys": len(idf), "reindexed": reindexed}))
    return {**meta, "keys": len(idf), "reindexed": reindexed}
