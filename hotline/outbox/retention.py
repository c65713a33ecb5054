"""Outbox retention: delivered and withdrawn notices older than the retention period leave the table.

Why not simply delete every old ``sent`` row: a row's ``dedupe_key`` is what stops the same notice
going out twice.  ``uq_outbox_city_dedupe_key`` makes a repeated insert fail; the knowledge base's
review reminders (``kb-review:…``) and the monthly report (``report:…``) look the key up before
writing, and would write — and send — again once it is gone; the linkage page shows a handoff's
delivery state read by its key (``linkage:…:handoff``).  So an old ``sent`` / ``cancelled`` row is

* **deleted** when it has no dedupe key, or when its key's producer can never write that key again
  (``FINAL_PREFIXES``, each with the reason read from its producer), together with its webhook
  attempts (``webhook_attempts.message_id`` is ON DELETE CASCADE: the webhooks page's delivery log
  keeps the retention period — the failed deliveries an admin must act on are never pruned);
* otherwise **compacted**: the payload is emptied and ``last_error`` cleared, ``compacted_at`` set;
  the key, state, channel, topic, recipient and dates stay, so every guard above works as before.
  A compacted row is a tombstone in place, about a tenth of a full one (docs/benchmarks.md).

A key whose prefix is not listed is kept (compacted): a new producer is safe until someone reads it
and lists it.  ``pending`` and ``failed`` rows are never touched (failed ones are what an admin
must see and retry).  "Older than" means created *and* sent before the cut-off.

Bounded: one batch (``batch_size``: 1000 rows on PostgreSQL, 200 on SQLite) per short transaction
with its audit row, rows locked ``FOR UPDATE SKIP LOCKED``, so it never holds a lock for long.  The
worker runs it in its background lane (phase ``background``: a pass that delivers never waits for
it), at most ``PASS_BATCHES`` batches per pass and city, every ``EVERY`` at most.

The table's newest row is never deleted: SQLite gives a new row the highest id + 1, so deleting the
newest one would hand its id to the next notice, which the inbox sender (a notification per
``outbox_id``) would then take as already delivered.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from hotline.org.models import AuditLog
from hotline.outbox.models import PRUNABLE, OutboxMessage

log = logging.getLogger("hotline.outbox.retention")

EVERY = timedelta(minutes=10)
PASS_BATCHES = 20

#: dedupe-key prefixes whose key can never be written again once its notice is out, so the row
#: guards nothing and may go; why, from each producer:
FINAL_PREFIXES: dict[str, str] = {
    "webhook": "webhook:{subscription}:{order event} (webhooks.flows.queue_deliveries): one per event; "
               "order events are append-only, an event id is never reused",
    "received": "received:{order number} (orders.flows intake): an order number is given once",
    "dispatched": "dispatched:{order}:{version} (orders.actions.dispatch): the order's version only grows",
    "transferred": "transferred:{number}:{transfer} (transfers.flows): a transfer is accepted once",
    "repeat": "repeat:{order} (duplicates.flows): the repeat check runs once, at the order's intake",
    "repeat-attached": "repeat-attached:{order} (duplicates.flows): at the repeat call's intake, once",
    "rate": "rate:{callback task} (callbacks.flows.create_task): the task is created in the same call",
    "site_check": "site_check:{check} (verification.flows): the check is created in the same call",
}


def batch_size(db: Session) -> int:
    return 200 if db.get_bind().dialect.name == "sqlite" else 1000


def is_final(dedupe_key: str | None) -> bool:
    """True when the row guards nothing: no key, or a key that can never be written again."""
    return dedupe_key is None or dedupe_key.split(":", 1)[0] in FINAL_PREFIXES


@dataclass
class PruneStats:
    """What a prune removed (or, dry run, would remove): rows by (state, channel, deleted|compacted)."""

    cutoff: datetime
    dry_run: bool = False
    batches: int = 0
    rows: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    more: bool = False  # stopped at the batch limit with rows left

    @property
    def deleted(self) -> int:
        return sum(n for (_s, _c, what), n in self.rows.items() if what == "deleted")

    @property
    def compacted(self) -> int:
        return sum(n for (_s, _c, what), n in self.rows.items() if what == "compacted")

    def as_dict(self) -> dict[str, Any]:
        return {"cutoff": self.cutoff.isoformat(), "dry_run": self.dry_run, "batches": self.batches,
                "deleted": self.deleted, "compacted": self.compacted,
                "more": self.more,
                "rows": [{"state": s, "channel": c, "what": w, "n": n} for (s, c, w), n in sorted(self.rows.items())]}

    def __str__(self) -> str:
        return (f"deleted={self.deleted} compacted={self.compacted} batches={self.batches}{' more' if self.more else ''}")


def newest_id(db: Session) -> int:
    """The acting city's newest row (kept: see the module's docstring); read once per prune."""
    return db.scalar(select(func.max(OutboxMessage.id))) or 0


def _candidates(cutoff: datetime, limit: int, after: tuple[datetime, int] | None, *, lock: bool,
                newest: int) -> Any:
    m = OutboxMessage
    stmt = (select(m.id, m.state, m.channel, m.dedupe_key, m.created_at)
            .where(PRUNABLE, m.created_at < cutoff,  # the index's own predicate, word for word (SQLite needs it)
                   or_(m.sent_at.is_(None), m.sent_at < cutoff), m.id < newest)
            .order_by(m.created_at, m.id).limit(limit))
    if after is not None:  # the dry run pages on, since it leaves the rows it read where they are
        stmt = stmt.where(or_(m.created_at > after[0], and_(m.created_at == after[0], m.id > after[1])))
    return stmt.with_for_update(of=m, skip_locked=True) if lock else stmt


def prune_batch(db: Session, stats: PruneStats, *, limit: int, now: datetime, actor_label: str, newest: int,
                actor_id: int | None = None, after: tuple[datetime, int] | None = None) -> tuple[datetime, int] | None:
    """One batch in one transaction (committed here, with its audit row), rows with ids below ``newest``;
    returns the last row read, or None when nothing was left."""
    rows = db.execute(_candidates(stats.cutoff, limit, after, lock=not stats.dry_run, newest=newest)).all()
    if not rows:
        db.rollback()
        return None
    gone = [r.id for r in rows if is_final(r.dedupe_key)]
    kept = [r.id for r in rows if not is_final(r.dedupe_key)]
    counts: Counter[tuple[str, str, str]] = Counter(
        (r.state, r.channel, "deleted" if is_final(r.dedupe_key) else "compacted") for r in rows)
    if stats.dry_run:
        db.rollback()
    else:
        if gone:  # their webhook_attempts go by ON DELETE CASCADE (SQLite: hotline.db turns foreign_keys on)
            db.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(gone))
                       .execution_options(synchronize_session=False))
        if kept:
            db.execute(update(OutboxMessage).where(OutboxMessage.id.in_(kept))
                       .values(payload={}, last_error=None, compacted_at=now)
                       .execution_options(synchronize_session=False))
        db.add(AuditLog(actor_id=actor_id, actor_label=actor_label, action="outbox.prune", entity="outbox",
                        entity_id="*", data={"cutoff": stats.cutoff.isoformat(), "deleted": len(gone),
                                             "compacted": len(kept),
                                             "rows": [[s, c, w, n] for (s, c, w), n in sorted(counts.items())]}))
        db.commit()
    stats.rows.update(counts)
    stats.batches += 1
    last = rows[-1]
    return (last.created_at, last.id)


def prune(factory: sessionmaker[Session], *, now: datetime, days: int, dry_run: bool = False,
          limit: int | None = None, max_batches: int | None = None, actor_label: str = "系统（通知保留）",
          actor_id: int | None = None) -> PruneStats:
    """Remove (or count, ``dry_run``) the acting city's sent/cancelled rows older than ``days`` days,
    batch after batch, until none is left or ``max_batches`` were done."""
    if days < 1:
        raise ValueError("days must be at least 1 (0 means: keep for ever, prune nothing)")
    stats = PruneStats(cutoff=now - timedelta(days=days), dry_run=dry_run)
    after: tuple[datetime, int] | None = None
    with factory() as db:
        size = limit or batch_size(db)
        newest = newest_id(db)
        db.rollback()
        while max_batches is None or stats.batches < max_batches:
            after = prune_batch(db, stats, limit=size, now=now, actor_label=actor_label, actor_id=actor_id,
                                newest=newest, after=after if dry_run else None)
            if after is None:
                return stats
        stats.more = db.execute(_candidates(stats.cutoff, 1, after if dry_run else None, lock=False,
                                            newest=newest)).first() is not None
        db.rollback()
    return stats


@dataclass
class Kept:
    """What the outbox holds now (``hotline outbox status``): rows and compacted rows by (channel,
    state), and the oldest row still there (``None``: the table is empty)."""

    rows: dict[tuple[str, str], tuple[int, int]]  # (channel, state) -> (rows, of which compacted)
    oldest: datetime | None
    oldest_state: str | None

    @property
    def compacted(self) -> int:
        return sum(c for _n, c in self.rows.values())

    def by_state(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for (_ch, state), (n, _c) in self.rows.items():
            out[state] += n
        return out


def kept(db: Session) -> Kept:
    """The acting city's outbox as retention left it: counts by channel and state, compacted ones
    among them, and the oldest row (pending and failed rows count: retention never removes them)."""
    m = OutboxMessage
    rows = {(ch, st): (n, c) for ch, st, n, c in db.execute(
        select(m.channel, m.state, func.count(), func.count(m.compacted_at))
        .group_by(m.channel, m.state).order_by(m.channel, m.state))}
    first = db.execute(select(m.created_at, m.state).order_by(m.created_at, m.id).limit(1)).first()
    return Kept(rows, first.created_at if first else None, first.state if first else None)


_last_run: dict[int, datetime] = {}


def prune_task(*, now: datetime) -> dict[str, Any]:
    """The worker's maintenance task: at most every ``EVERY`` per city, ``PASS_BATCHES`` batches a pass
    (a first pass over years of history is spread over passes); the outbox, then the read notifications."""
    from hotline.city.tenancy import current_scope
    from hotline.config import get_settings
    from hotline.db import session_factory
    from hotline.outbox import inbox_retention

    days = get_settings().outbox_retention_days
    inbox_days = get_settings().notification_retention_days
    if days == 0 and inbox_days == 0:
        return {"skipped": "keep for ever"}
    city = current_scope().id or 0
    if city in _last_run and timedelta(0) <= now - _last_run[city] < EVERY:
        return {"skipped": "fresh"}
    _last_run[city] = now
    try:
        keep = {"skipped": "keep for ever"}
        return {"outbox": prune(session_factory(), now=now, days=days, max_batches=PASS_BATCHES) if days else keep,
                # the in-console inbox's read notifications (hotline.outbox.inbox_retention)
                "notifications": inbox_retention.prune(session_factory(), now=now, days=inbox_days,
                                                       max_batches=PASS_BATCHES) if inbox_days else keep}
    except Exception:  # noqa: BLE001  (never the pass's deliveries: the next pass tries again)
        _last_run.pop(city, None)
        log.exception("outbox retention failed")
        return {"failed": True}
