"""Retention of the in-console inbox (站内通知): read notifications older than the period leave the table.

Why only read ones: an unread notification is a notice nobody in its unit has seen yet (a return to
approve, an overdue order); removing it would lose work silently, and the bell counts it.  Once read,
it is history, and the order's own timeline keeps what happened.  Zammad prunes its online
notifications the same way (seen ones first).

Why it may go although its outbox row stays: the inbox sender turns a *pending* outbox row into a
notification (``uq_notifications_city_outbox_id`` stops a second one); a pruned notification's row
is sent (or long since pruned itself), so nothing delivers it again.

Bounded like the outbox's retention (``hotline.outbox.retention``): one batch per short transaction
with its audit row, rows locked ``FOR UPDATE SKIP LOCKED``, at most ``PASS_BATCHES`` a pass.  The
newest notification is never deleted, so SQLite never hands its id to the next one (a page still
open on the old id would mark the new notification read).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from hotline.org.models import AuditLog
from hotline.outbox.inbox import Notification


@dataclass
class InboxPruneStats:
    """What a prune removed (or, dry run, would remove)."""

    cutoff: datetime
    dry_run: bool = False
    deleted: int = 0
    batches: int = 0
    more: bool = False  # stopped at the batch limit with rows left

    def as_dict(self) -> dict[str, Any]:
        return {"cutoff": self.cutoff.isoformat(), "dry_run": self.dry_run, "deleted": self.deleted,
                "batches": self.batches, "more": self.more}


def _candidates(cutoff: datetime, newest: int, limit: int, after: int, *, lock: bool) -> Any:
    n = Notification
    stmt = (select(n.id).where(n.read_at.is_not(None), n.read_at < cutoff, n.created_at < cutoff,
                               n.id < newest, n.id > after)
            .order_by(n.id).limit(limit))
    return stmt.with_for_update(of=n, skip_locked=True) if lock else stmt


def prune(factory: sessionmaker[Session], *, now: datetime, days: int, dry_run: bool = False, limit: int = 1000,
          max_batches: int | None = None, actor_label: str = "系统（站内通知保留）",
          actor_id: int | None = None) -> InboxPruneStats:
    """Delete (or count, ``dry_run``) the acting city's notifications read and created more than ``days``
    days ago, batch after batch, until none is left or ``max_batches`` were done."""
    if days < 1:
        raise ValueError("days must be at least 1 (0 means: keep for ever, prune nothing)")
    stats = InboxPruneStats(cutoff=now - timedelta(days=days), dry_run=dry_run)
    after = 0
    with factory() as db:
        newest = db.scalar(select(func.max(Notification.id))) or 0
        db.rollback()
        while max_batches is None or stats.batches < max_batches:
            ids = list(db.scalars(_candidates(stats.cutoff, newest, limit, after, lock=not dry_run)))
            if not ids:
                db.rollback()
                return stats
            if dry_run:
                db.rollback()
            else:
                db.execute(delete(Notification).where(Notification.id.in_(ids))
                           .execution_options(synchronize_session=False))
                db.add(AuditLog(actor_id=actor_id, actor_label=actor_label, action="notifications.prune",
                                entity="notifications", entity_id="*",
                                data={"cutoff": stats.cutoff.isoformat(), "deleted": len(ids)}))
                db.commit()
            stats.deleted += len(ids)
            stats.batches += 1
            after = ids[-1]
        stats.more = db.execute(_candidates(stats.cutoff, newest, 1, after, lock=False)).first() is not None
        db.rollback()
    return stats
