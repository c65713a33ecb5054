"""The worker loop: every N seconds, sweep deadlines and deliver the outbox.

Run as ``hotline outbox run`` (alias ``hotline worker``).  Several workers may
run at once against PostgreSQL: the sweep's alerts are unique per (order,
kind, deadline) and deliveries are claimed ``FOR UPDATE SKIP LOCKED``, so
nothing is raised or sent twice.  SIGTERM / SIGINT finish the current pass and
stop.  See docs/worker.md.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import FrameType

from hotline.db import session_factory, utcnow
from hotline.outbox.service import LEASE, DeliveryStats, deliver

log = logging.getLogger("hotline.worker")


@dataclass
class PassResult:
    sweep: object | None
    delivery: DeliveryStats


def run_pass(*, now: datetime | None = None, sweep_enabled: bool = True, batch_size: int | None = None,
             lease: timedelta = LEASE) -> PassResult:
    """One pass: sweep, then deliver (so that the sweep's own notices go out in the same pass)."""
    import hotline.models  # noqa: F401  (every package's models and handlers, e.g. supervision)
    from hotline.sla.sweep import sweep

    now = now or utcnow()
    sweep_stats = None
    if sweep_enabled:
        with session_factory()() as db:
            try:
                sweep_stats = sweep(db, now=now)
            except Exception:
                db.rollback()
                raise
        log.info("sweep: %s", sweep_stats)
    with session_factory()() as db:  # expired Idempotency-Keys: ignored already, removed here
        from hotline.idempotency.service import purge_expired

        purged = purge_expired(db, now=now)
        db.commit()
    if purged:
        log.info("idempotency keys purged: %d", purged)
    with session_factory()() as db:
        try:
            delivery = deliver(db, now=utcnow() if now is None else now, batch_size=batch_size, lease=lease)
        except Exception:
            db.rollback()
            raise
    log.info("outbox: %s", delivery)
    return PassResult(sweep_stats, delivery)


class Worker:
    """The loop, with a stop flag set by signals (or by a test)."""

    def __init__(self, *, interval: float = 30.0, sweep_enabled: bool = True,
                 clock: Callable[[], datetime] = utcnow, lease: float = LEASE.total_seconds()) -> None:
        self.interval = interval
        self.lease = timedelta(seconds=lease)
        self.sweep_enabled = sweep_enabled
        self.clock = clock
        self.stopping = threading.Event()
        self.passes = 0

    def stop(self, signum: int | None = None, _frame: FrameType | None = None) -> None:
        if signum is not None:
            log.info("signal %s: stopping after this pass", signum)
        self.stopping.set()

    def install_signals(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def run(self, *, once: bool = False) -> None:
        while not self.stopping.is_set():
            try:
                from hotline.city.tenancy import for_each_city

                now = self.clock()  # one pass per city, each acting as its city (its calendar, its rows)
                for_each_city(lambda t=now: run_pass(now=t, sweep_enabled=self.sweep_enabled, lease=self.lease))
            except Exception:  # noqa: BLE001  (a bad pass is logged; the loop goes on)
                log.exception("worker pass failed")
                if once:
                    raise
            self.passes += 1
            if once:
                break
            self.stopping.wait(self.interval)
        log.info("worker stopped after %s passes", self.passes)
