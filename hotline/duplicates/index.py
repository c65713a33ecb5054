"""The inverted index of open orders: kept current by order hooks, queried by rare tokens.

Why this shape: a lookup must stay fast with a million orders in the table.
Only open orders are indexed (hooks remove an order the moment it leaves the
open statuses), every posting carries the order's creation time so the window
is a range on the primary key ``(token, created_at, order_id)``, and a lookup
reads the newest postings of the draft's most specific tokens only.  The same SQL runs on
SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy import Float, Select, String, bindparam, delete, func, insert, select, union_all
from sqlalchemy.orm import Session

from hotline.db import transaction_scoped
from hotline.duplicates.models import DupDoc, DupPosting
from hotline.duplicates.similarity import Doc, Prepared, Scorer
from hotline.orders.actor import Actor
from hotline.orders.enums import OPEN, Action
from hotline.orders.models import Order, OrderEvent

OPEN_VALUES = frozenset(s.value for s in OPEN)
MAX_TOKENS = 48  # per order in the index
QUERY_TOKENS = 8  # most specific tokens a lookup reads
PER_TOKEN = 500  # newest postings read per token


def gazetteer() -> tuple[str, ...]:
    """Place names of the acting city: roads and their aliases, streets, communities, villages."""
    from hotline.city.service import current_city

    return _gazetteer(id(current_city()))


@lru_cache(maxsize=16)
def _gazetteer(_city: int) -> tuple[str, ...]:  # keyed by the (cached, per-city) city file object
    from hotline.city.service import current_city

    city = current_city()
    names = {r.name for r in city.roads} | {a for r in city.roads for a in r.aliases}
    for u in city.units:
        if u.type.value in ("street", "community", "township"):
            n = u.name.replace("居民委员会", "").replace("村民委员会", "")
            names.add(n.split("街道")[-1] or n)
            names.add(n.split("镇")[-1] if not n.endswith("镇") else n)
            if u.short_name:
                names.add(u.short_name)
    return tuple(sorted(n for n in names if len(n) >= 2))


_SCORERS: dict[str, dict[str, object]] = {}  # by the acting city's code


def reset_scorer() -> None:
    _SCORERS.clear()


def scorer(db: Session | None = None) -> Scorer:
    """The scorer with the city's statistics (``stats``): the refit file, reloaded when it changes;
    else fitted once per process from the newest orders of ``db``; else none (see docs/duplicates.md)."""
    from hotline.city.tenancy import current_scope
    from hotline.duplicates import stats

    mt = stats.mtime()
    c = _SCORERS.setdefault(current_scope().code, {})
    if c and c["mtime"] == mt and (mt is not None or c["tried_db"] or db is None):
        return c["scorer"]  # type: ignore[return-value]
    loaded = stats.load() if mt is not None else None
    idf: dict[str, float] = loaded[0] if loaded else {}
    tried_db = False
    if loaded is None and db is not None:
        tried_db = True
        texts = stats.order_texts(db, stats.FALLBACK_ORDERS)
        if len(texts) >= stats.MIN_ORDERS:
            import logging

            logging.getLogger(__name__).warning(
                "no duplicate statistics file: fitted on the newest %d orders for this process; "
                "run `hotline duplicates refit`", len(texts))
            idf = stats.fit(texts, gazetteer())
    sc = Scorer(idf, gazetteer())
    c.update(scorer=sc, mtime=mt, tried_db=tried_db)
    return sc


def rebuild(db: Session) -> int:
    """Re-prepare every open order with the current scorer (after a refit); returns how many."""
    db.info.pop(HELD, None)
    db.execute(delete(DupPosting))
    db.execute(delete(DupDoc))
    n = 0
    for order in db.scalars(select(Order).where(Order.status.in_(sorted(OPEN_VALUES)))):
        add(db, order, clear=False)
        n += 1
    return n


def order_doc(order: Order) -> Doc:
    return Doc(f"{order.title}\n{order.content}", order.address or "",
               order.territory_unit.code if order.territory_unit else None, order.category_code)


def tokens_for(doc: Doc, prepared: Prepared, sc: Scorer) -> list[str]:
    """Index tokens: place names (``@`` prefix) and the most specific words.

    The words are the ``w:`` keys of the prepared vector (the same jieba words), so a
    lookup segments the draft once; ties in IDF are broken by the word, not by chance.
    """
    ws = sorted((k[2:] for k in prepared.vec if k.startswith("w:")),
                key=lambda w: (-sc.weight("w:" + w), w))[:MAX_TOKENS]
    places = [("@" + p)[:32] for p in sorted(prepared.places)]
    return list(dict.fromkeys(places + [w[:32] for w in ws]))


#: db.info: {order id: (its DupDoc.feats, its index tokens)} written by this session — what a later hook of
#: the same request (the hot-matter join at intake) would otherwise read back and recompute (issue #15)
HELD = "hotline.duplicates.index.held"


def add(db: Session, order: Order, *, clear: bool = True) -> None:
    if clear:
        remove(db, order.id)
    sc = scorer(db)
    doc = order_doc(order)
    prep = sc.prepare(doc)
    feats = prep.to_json()
    db.add(DupDoc(order_id=order.id, feats=feats))
    tokens = tokens_for(doc, prep, sc)
    db.info.setdefault(HELD, {})[order.id] = (feats, tokens)
    rows = [{"token": t, "created_at": order.created_at, "order_id": order.id} for t in tokens]
    if rows:
        db.execute(insert(DupPosting), rows)


def held(db: Session, order_id: int) -> tuple[dict[str, object], list[str]] | None:
    """The feats and tokens this session just indexed ``order_id`` with (None: not indexed by it, or
    removed since); the feats are the stored JSON, as reading the DupDoc back would give them."""
    return db.info.get(HELD, {}).get(order_id)  # type: ignore[no-any-return]


transaction_scoped(HELD)  # nothing held outlives its transaction or a savepoint rolled back


def remove(db: Session, order_id: int) -> None:
    db.info.get(HELD, {}).pop(order_id, None)
    db.execute(delete(DupPosting).where(DupPosting.order_id == order_id))
    db.execute(delete(DupDoc).where(DupDoc.order_id == order_id))


def keep_index(db: Session, order: Order, actor: Actor, event: OrderEvent, now: datetime) -> None:
    if event.action == Action.create.value:
        if order.status in OPEN_VALUES:  # a repeat call may already have been merged at intake
            add(db, order, clear=False)  # a new order has no postings: nothing to delete first
    elif order.status not in OPEN_VALUES:
        if event.from_status in OPEN_VALUES:
            remove(db, order.id)
    elif event.from_status not in OPEN_VALUES:  # reopened, unmerged: back in the open workload
        add(db, order)


def query_tokens(tokens: list[str], sc: Scorer | None = None) -> list[tuple[str, float]]:
    """The draft's most specific tokens with the weight a shared one adds: place names first, then IDF."""
    sc = sc or scorer()
    ranked = sorted(tokens, key=lambda t: (not t.startswith("@"), -sc.weight("w:" + t), t))[:QUERY_TOKENS]
    return [(t, 2 * sc.unknown if t.startswith("@") else sc.weight("w:" + t)) for t in ranked]


@lru_cache(maxsize=64)
def candidates_stmt(n: int, per_token: int, limit: int) -> Select[tuple[int, float]]:
    """The lookup statement for ``n`` tokens, built once per shape: building it costs more than running it.

    Parameters: ``t0…`` (tokens), ``w0…`` (their weights) and ``since``.
    """
    since = bindparam("since", type_=DupPosting.created_at.type)
    parts = []
    for i in range(n):
        sub = (select(DupPosting.order_id, bindparam(f"w{i}", type_=Float).label("w"))
               .where(DupPosting.token == bindparam(f"t{i}", type_=String), DupPosting.created_at >= since)
               .order_by(DupPosting.created_at.desc()).limit(per_token).subquery())
        parts.append(select(sub.c.order_id, sub.c.w))
    u = union_all(*parts).subquery()
    total = func.sum(u.c.w)
    return (select(u.c.order_id, total.label("hits")).group_by(u.c.order_id)
            .order_by(total.desc(), u.c.order_id.desc()).limit(limit))


def candidate_ids(db: Session, tokens: list[str], *, since: datetime, limit: int) -> list[int]:
    """Open orders in the window sharing the most (IDF-weighted) tokens with the draft.

    One statement: for each of the draft's most specific tokens (place names
    first, then words by IDF) the newest ``PER_TOKEN`` postings inside the window,
    summed per order.  The per-token limit bounds the work even for a token that
    turns out to be common in the live workload.
    """
    ranked = query_tokens(tokens)
    if not ranked:
        return []
    params: dict[str, object] = {"since": since}
    for i, (t, w) in enumerate(ranked):
        params[f"t{i}"], params[f"w{i}"] = t, w
    return [int(r[0]) for r in db.execute(candidates_stmt(len(ranked), PER_TOKEN, limit), params)]
