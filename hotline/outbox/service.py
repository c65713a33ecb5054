"""Delivering the outbox: claim due messages, send them, mark sent / retry / failed.

Claiming is a row lock inside the delivering transaction, never a status flip
committed before sending.  On PostgreSQL the batch is selected with
``FOR UPDATE SKIP LOCKED``: several workers take disjoint batches and none
waits on another.  On SQLite every transaction starts with ``BEGIN IMMEDIATE``
(hotline/db.py), so one delivering transaction holds the write lock and the
others wait: the batches are serialised (keep them small there, since the lock
is held while sending).  Either way a worker killed mid-batch commits nothing:
its messages are still ``pending`` and the next worker takes them.

Delivery is at-least-once: a message handed to an SMS gateway or an SMTP
server just before the process dies is sent again by the next worker.  The
``inbox`` channel is exactly-once (its notification is written in the same
transaction as the "sent" mark, and is unique per outbox row).  Duplicate
*notices* are prevented where they are written, by ``dedupe_key``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.outbox import senders
from hotline.outbox.models import OutboxMessage

log = logging.getLogger("hotline.outbox")

MAX_ATTEMPTS = 8
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=6)


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

    def __str__(self) -> str:
        return f"sent={self.sent} retried={self.retried} failed={self.failed} batches={self.batches}"


def claim(db: Session, *, now: datetime, limit: int) -> list[OutboxMessage]:
    """Lock up to ``limit`` pending, due messages whose channel has a sender (the caller's transaction)."""
    stmt = (select(OutboxMessage)
            .where(OutboxMessage.state == "pending", OutboxMessage.next_attempt_at <= now,
                   OutboxMessage.channel.in_(senders.channels()))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
            .with_for_update(skip_locked=True))  # SQLite: no-op; BEGIN IMMEDIATE serialises instead
    return list(db.scalars(stmt))


def deliver_one(db: Session, msg: OutboxMessage, *, now: datetime, max_attempts: int = MAX_ATTEMPTS) -> str:
    """Try one claimed message; returns sent / retry / failed.  Never raises for a sender's failure."""
    sender = senders.get_sender(msg.channel)
    msg.attempts += 1
    try:
        if sender is None:
            raise senders.PermanentError(f"no sender for channel {msg.channel}")
        with db.begin_nested():  # an inbox write that fails leaves nothing half-written
            sender.send(msg, db)
    except senders.PermanentError as exc:
        msg.state, msg.last_error = "failed", f"permanent: {exc}"[:2000]
        log.warning("outbox %s (%s to %s) failed permanently: %s", msg.id, msg.channel, msg.recipient, exc)
        return "failed"
    except Exception as exc:  # noqa: BLE001  (any sender failure is retried, then given up)
        msg.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if msg.attempts >= max_attempts:
            msg.state = "failed"
            log.warning("outbox %s gave up after %s attempts: %s", msg.id, msg.attempts, msg.last_error)
            return "failed"
        msg.next_attempt_at = now + backoff(msg.attempts)
        log.info("outbox %s attempt %s failed, retry at %s: %s", msg.id, msg.attempts,
                 msg.next_attempt_at.isoformat(), msg.last_error)
        return "retry"
    msg.state, msg.sent_at, msg.last_error = "sent", now, None
    return "sent"


def deliver_batch(db: Session, *, now: datetime, limit: int = 100, max_attempts: int = MAX_ATTEMPTS,
                  stats: DeliveryStats | None = None) -> int:
    """Claim and deliver one batch in the caller's transaction (the caller commits); returns how many."""
    stats = stats if stats is not None else DeliveryStats()
    batch = claim(db, now=now, limit=limit)
    for msg in batch:
        outcome = deliver_one(db, msg, now=now, max_attempts=max_attempts)
        if outcome == "sent":
            stats.sent += 1
            stats.by_channel[msg.channel] = stats.by_channel.get(msg.channel, 0) + 1
        elif outcome == "retry":
            stats.retried += 1
        else:
            stats.failed += 1
    return len(batch)


def deliver(db: Session, *, now: datetime, batch_size: int | None = None, max_batches: int = 1000,
            max_attempts: int = MAX_ATTEMPTS) -> DeliveryStats:
    """Deliver everything due, one batch per transaction (committed here) until nothing is left."""
    if batch_size is None:
        batch_size = 20 if db.get_bind().dialect.name == "sqlite" else 200
    stats = DeliveryStats()
    for _ in range(max_batches):
        n = deliver_batch(db, now=now, limit=batch_size, max_attempts=max_attempts, stats=stats)
        db.commit()
        if n == 0:
            break
        stats.batches += 1
    return stats
