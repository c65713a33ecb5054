"""In-memory token buckets for the portal's anti-abuse limits.

Why in memory: the portal runs in one process in the embedded deployment and a
bucket per key is enough to stop a script from flooding the intake queue or
guessing order numbers.  With several server processes each has its own
buckets, so the effective limit multiplies by the number of processes — put a
reverse proxy limit in front in that case (docs/channels.md).  Keys are the
client address (``request.client.host``; configure the proxy to pass the real
one) and the phone number or order number.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBucket:
    """``capacity`` requests at once, refilled at ``capacity`` per ``per_s`` seconds."""

    def __init__(self, capacity: int, per_s: float, max_keys: int = 100_000):
        self.capacity = capacity
        self.rate = capacity / per_s
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def _get(self, key: str, now: float) -> _Bucket:
        b = self._buckets.get(key)
        if b is None:
            if len(self._buckets) >= self.max_keys:
                self._buckets.clear()  # crude but bounded memory
            b = self._buckets[key] = _Bucket(float(self.capacity), now)
        b.tokens = min(float(self.capacity), b.tokens + (now - b.updated) * self.rate)
        b.updated = now
        return b

    def allow(self, key: str, *, now: float | None = None) -> bool:
        """Take a token if one is left."""
        with self._lock:
            b = self._get(key, time.monotonic() if now is None else now)
            if b.tokens >= 1:
                b.tokens -= 1
                return True
            return False

    def peek(self, key: str, *, now: float | None = None) -> bool:
        """Would a request pass?  (For limits consumed only on failure.)"""
        with self._lock:
            return self._get(key, time.monotonic() if now is None else now).tokens >= 1

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()


SUBMIT_PER_IP = TokenBucket(10, 3600)  # 10 demands an hour from one address
SUBMIT_PER_PHONE = TokenBucket(5, 3600)  # 5 demands an hour for one phone number
TRACK_PER_IP = TokenBucket(30, 600)  # 30 look-ups per 10 minutes from one address
TRACK_FAIL_PER_NUMBER = TokenBucket(5, 3600)  # 5 wrong phone numbers an hour for one order

ALL = (SUBMIT_PER_IP, SUBMIT_PER_PHONE, TRACK_PER_IP, TRACK_FAIL_PER_NUMBER)


def reset_all() -> None:
    for b in ALL:
        b.reset()
