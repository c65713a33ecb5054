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


def deliver_task(*, now: datetime, batch_size: int | None = None, lease: timedelta = LEASE) -> DeliveryStats:
    """The worker's last task: deliver what is due (the sweep's own notices go out in the same pass)."""
    with session_factory()() as db:
        try:
            return deliver(db, now=now, batch_size=batch_size, lease=lease)
        except Exception:
            db.rollback()
            raise


def run_pass(*, now: datetime | None = None, sweep_enabled: bool = True, batch_size: int | None = None,
             lease: timedelta = LEASE) -> PassResult:
    """One pass: every installed worker task, by phase (sweep → maintain → deliver; hotline.registry)."""
    from hotline import registry

    now = now or utcnow()
    results: dict[str, object] = {}
    for phase, name, task, _pkg in registry.install().worker_tasks:
        if phase == "sweep" and not sweep_enabled or phase == "background":
            continue
        if phase == "deliver":
            results[name] = task(now=now, batch_size=batch_size, lease=lease)
        else:
            results[name] = task(now=now)
        log.info("%s: %s", name, results[name])
    delivery = results.get("deliver")
    assert isinstance(delivery, DeliveryStats), "the outbox's deliver task is installed"
    return PassResult(results.get("sweep"), delivery)


def run_background(*, now: datetime | None = None) -> dict[str, object]:
    """The background lane's pass: the tasks of phase ``background`` (slow, e.g. the hot matters'
    re-grouping), run by ``Worker`` in a thread of their own so the delivery passes never wait for them."""
    from hotline import registry

    now = now or utcnow()
    results: dict[str, object] = {}
    for phase, name, task, _pkg in registry.install().worker_tasks:
        if phase == "background":
            try:
                results[name] = task(now=now)
            except Exception:  # noqa: BLE001  (one city's failed re-grouping must not stop the others' tasks)
                log.exception("background task %s failed", name)
                results[name] = "failed"
            log.info("%s: %s", name, results[name])
    return results


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

    def _background(self) -> None:
        from hotline.city.tenancy import for_each_city

        while not self.stopping.is_set():
            try:
                now = self.clock()
                for_each_city(lambda t=now: run_background(now=t))
            except Exception:  # noqa: BLE001
                log.exception("background pass failed")
            self.stopping.wait(self.interval)

    def run(self, *, once: bool = False) -> None:
        if once:  # one pass, then the background lane's pass after it (cron, tests)
            self._pass(once=True)
            from hotline.city.tenancy import for_each_city

            now = self.clock()
            for_each_city(lambda t=now: run_background(now=t))
            log.info("worker stopped after %s passes", self.passes)
            return
        lane = threading.Thread(target=self._background, name="hotline-worker-background", daemon=True)
        lane.start()
        while not self.stopping.is_set():
            self._pass(once=False)
            self.stopping.wait(self.interval)
        lane.join(timeout=5)
        log.info("worker stopped after %s passes", self.passes)

    def _pass(self, *, once: bool) -> None:
        try:
            from hotline.city.tenancy import for_each_city

            now = self.clock()  # one pass per city, each acting as its city (its calendar, its rows)
            for_each_city(lambda t=now: run_pass(now=t, sweep_enabled=self.sweep_enabled, lease=self.lease))
        except Exception:  # noqa: BLE001  (a bad pass is logged; the loop goes on)
            log.exception("worker pass failed")
            if once:
                raise
        self.passes += 1
