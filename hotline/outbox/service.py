"""Delivering the outbox: claim due messages, send them, record each outcome as it happens.

Why this shape (issue #10): nothing slow may run while a database lock is held.
On SQLite one writer holds the only write lock, so a batch sent inside its
claiming transaction made every request wait for the slowest receiver.  So:

1. **Claim** (one short transaction): lock the due messages (``FOR UPDATE SKIP
   LOCKED`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), count the attempt
   and *lease* them: ``next_attempt_at = now + lease``, so no other worker takes
   them meanwhile.  Local channels (``inbox``) are delivered right here: their
   delivery is a row in the same database.  Commit: the lock is released.
2. **Send**, outside any transaction, each message with its stable ``uid``
   (the gateway's message id, the ``webhook-id``).
3. **Record** each outcome in its own short transaction, committed at once:
   ``sent``, or a retry with backoff, or ``failed``; a sender may log the attempt
   (webhooks keep every attempt, failures included).

A worker killed between 2 and 3 leaves its messages ``pending`` with a lease;
when the lease ends another worker sends them again *with the same uid*, so
the gateway or receiver drops the duplicate.  A worker killed before the claim
commits changes nothing.

Order: messages for the same order, channel and recipient go out one at a
time, in the order they were written (``order.create`` before ``order.dispatch``);
a later one waits while an earlier one is pending.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from hotline.db import utcnow
from hotline.outbox import senders
from hotline.outbox.models import OutboxMessage
from hotline.outbox.senders import Outgoing

log = logging.getLogger("hotline.outbox")

MAX_ATTEMPTS = 8
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=6)
LEASE = timedelta(minutes=2)


def backoff(attempts: int, *, base: timedelta = BASE_DELAY, cap: timedelta = MAX_DELAY) -> timedelta:
    """Wait before attempt ``attempts + 1``: 30 s, 1 min, 2 min, 4 min … capped at 6 h."""
    return min(cap, base * (2 ** max(0, attempts - 1)))


@dataclass
class DeliveryStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    batches: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: str, channel: str) -> None:
        if outcome == "sent":
            self.sent += 1
            self.by_channel[channel] = self.by_channel.get(channel, 0) + 1
        elif outcome == "retry":
            self.retried += 1
        elif outcome == "failed":
            self.failed += 1

    def __str__(self) -> str:
        return f"sent={self.sent} retried={self.retried} failed={self.failed} batches={self.batches}"


def claim(db: Session, *, now: datetime, limit: int, lease: timedelta = LEASE,
          channels: tuple[str, ...] | None = None) -> list[OutboxMessage]:
    """Lock, count and lease up to ``limit`` due messages whose channel has a sender (caller commits).

    A message waits while an earlier one for the same order, channel and recipient is pending.
    """
    wanted = [c for c in senders.channels() if channels is None or c in channels]
    earlier = aliased(OutboxMessage)
    blocked = exists().where(earlier.order_id == OutboxMessage.order_id, earlier.channel == OutboxMessage.channel,
                             earlier.recipient == OutboxMessage.recipient, earlier.state == "pending",
                             earlier.id < OutboxMessage.id)
    stmt = (select(OutboxMessage)
            .where(OutboxMessage.state == "pending", OutboxMessage.next_attempt_at <= now,
                   OutboxMessage.channel.in_(wanted),
                   or_(OutboxMessage.order_id.is_(None), and_(~blocked)))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
            .with_for_update(skip_locked=True))  # SQLite: no-op; BEGIN IMMEDIATE serialises instead
    batch = list(db.scalars(stmt))
    for msg in batch:
        msg.attempts += 1
        msg.next_attempt_at = now + lease
    return batch


def _settle(db: Session, msg: OutboxMessage, *, error: BaseException | None, now: datetime,
            max_attempts: int) -> str:
    """Mark one attempt's outcome on the row: sent / retry / failed."""
    if error is None:
        msg.state, msg.sent_at, msg.last_error = "sent", now, None
        return "sent"
    if isinstance(error, senders.PermanentError):
        msg.state, msg.last_error = "failed", f"permanent: {error}"[:2000]
        log.warning("outbox %s (%s to %s) failed permanently: %s", msg.id, msg.channel, msg.recipient, error)
        return "failed"
    msg.last_error = f"{type(error).__name__}: {error}"[:2000]
    if msg.attempts >= max_attempts:
        msg.state = "failed"
        log.warning("outbox %s gave up after %s attempts: %s", msg.id, msg.attempts, msg.last_error)
        return "failed"
    msg.next_attempt_at = now + backoff(msg.attempts)
    log.info("outbox %s attempt %s failed, retry at %s: %s", msg.id, msg.attempts,
             msg.next_attempt_at.isoformat(), msg.last_error)
    return "retry"


def _record(db: Session, sender: Any, out: Outgoing, *, receipt: Any, error: BaseException | None,
            now: datetime) -> None:
    record = getattr(sender, "record", None)
    if record is not None:
        record(db, out, receipt=receipt, error=error, now=now)


def deliver_batch(db: Session, *, now: datetime, limit: int = 100, max_attempts: int = MAX_ATTEMPTS,
                  stats: DeliveryStats | None = None, lease: timedelta = LEASE,
                  channels: tuple[str, ...] | None = None) -> int:
    """Claim one batch, commit, send each message, commit each outcome; returns how many were claimed."""
    stats = stats if stats is not None else DeliveryStats()
    batch = claim(db, now=now, limit=limit, lease=lease, channels=channels)
    lease_from = max(now, utcnow())  # a long pass's later batches still get their whole lease
    for msg in batch:
        msg.next_attempt_at = lease_from + lease
    remote: list[tuple[Any, Outgoing]] = []
    for msg in batch:
        sender = senders.get_sender(msg.channel)
        out = Outgoing.of(msg)
        error: BaseException | None = None
        try:
            if sender is None:
                raise senders.PermanentError(f"no sender for channel {msg.channel}")
            if getattr(sender, "local", False):
                with db.begin_nested():  # a local write that fails leaves nothing half-written
                    sender.write(msg, db)
            else:
                prepare = getattr(sender, "prepare", None)
                ctx = prepare(db, msg) if prepare is not None else None
                remote.append((sender, Outgoing.of(msg, context=ctx or {})))
                continue
        except Exception as exc:  # noqa: BLE001  (any failure is retried, then given up)
            error = exc
            _record(db, sender, out, receipt=None, error=exc, now=now)
        stats.count(_settle(db, msg, error=error, now=now, max_attempts=max_attempts), msg.channel)
    db.commit()  # the claim: from here on no lock is held while anything is sent
    started = time.monotonic()
    for sender, out in remote:
        if time.monotonic() - started > lease.total_seconds() * 0.8:
            break  # our lease is ending: leave the rest to the next worker rather than race it
        receipt: Any = None
        error = None
        try:
            receipt = sender.send(out)
        except Exception as exc:  # noqa: BLE001
            error = exc
        msg = db.get(OutboxMessage, out.id, populate_existing=True)
        _record(db, sender, out, receipt=receipt, error=error, now=now)
        if msg is not None and msg.state == "pending" and msg.attempts == out.attempt:
            stats.count(_settle(db, msg, error=error, now=now, max_attempts=max_attempts), out.channel)
        db.commit()  # each delivery is recorded as it happens
    return len(batch)


def deliver(db: Session, *, now: datetime, batch_size: int | None = None, max_batches: int = 1000,
            max_attempts: int = MAX_ATTEMPTS, lease: timedelta = LEASE,
            channels: tuple[str, ...] | None = None) -> DeliveryStats:
    """Deliver everything due, batch after batch, until nothing is left."""
    if batch_size is None:
        batch_size = 20 if db.get_bind().dialect.name == "sqlite" else 200
    stats = DeliveryStats()
    for _ in range(max_batches):
        n = deliver_batch(db, now=now, limit=batch_size, max_attempts=max_attempts, stats=stats, lease=lease,
                          channels=channels)
        if n == 0:
            break
        stats.batches += 1
    return stats
