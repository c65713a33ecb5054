"""Login throttling: failed logins counted per account and per client address (the ``limits`` library).

Each key has tiers (``HOTLINE_LOGIN_FAIL_PER_ACCOUNT``, default 5 per 5 minutes then 20
per hour), so the wait grows with persistence: the 6th failure in five minutes locks
the account for what is left of those five minutes; the 21st in an hour, for the hour.
While a key is over a tier every attempt is refused with 429 *before* the password is
checked, so guessing right during a lock does not help.  Only failures count; a
successful login clears the account's counters (not the address's).

Counters live in ``HOTLINE_RATELIMIT_STORAGE_URL`` (``memory://`` by default, one process;
``redis://…`` to share them between server processes).  The trade-off of locking by
account — someone can lock a known user out for a while — is accepted and documented in
docs/security.md; the per-address tiers are looser so a shared office NAT is not locked first.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from hotline.config import get_settings


@dataclass(frozen=True)
class Refusal:
    retry_after_s: int
    scope: str  # "account" or "address"


class LoginThrottle:
    def __init__(self, *, storage_url: str, per_account: str, per_address: str) -> None:
        storage = storage_from_string(storage_url)
        if not isinstance(storage, Storage):
            raise ValueError(f"HOTLINE_RATELIMIT_STORAGE_URL must name a synchronous storage: {storage_url}")
        self.storage = storage
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.tiers = {"account": parse_many(per_account), "address": parse_many(per_address)}

    def _keys(self, username: str, ip: str) -> dict[str, str]:
        return {"account": username.strip().lower()[:64], "address": ip}

    def _wait(self, item: RateLimitItem, key: str, now: float) -> int:
        reset = self.limiter.get_window_stats(item, "login", key).reset_time
        return max(1, math.ceil(reset - now))

    def check(self, *, username: str, ip: str) -> Refusal | None:
        """Refuse (and say for how long) while the account or the address is over a tier."""
        now = time.time()
        worst: Refusal | None = None
        for scope, key in self._keys(username, ip).items():
            for item in self.tiers[scope]:
                if not self.limiter.test(item, "login", key):
                    r = Refusal(self._wait(item, key, now), scope)
                    worst = r if worst is None or r.retry_after_s > worst.retry_after_s else worst
        return worst

    def failed(self, *, username: str, ip: str) -> None:
        for scope, key in self._keys(username, ip).items():
            for item in self.tiers[scope]:
                self.limiter.hit(item, "login", key)

    def succeeded(self, *, username: str) -> None:
        key = self._keys(username, "")["account"]
        for item in self.tiers["account"]:
            self.limiter.clear(item, "login", key)

    def reset(self) -> None:
        self.storage.reset()


_lock = threading.Lock()
_throttle: LoginThrottle | None = None


def login_throttle() -> LoginThrottle:
    global _throttle
    with _lock:
        if _throttle is None:
            s = get_settings()
            _throttle = LoginThrottle(storage_url=s.ratelimit_storage_url, per_account=s.login_fail_per_account,
                                      per_address=s.login_fail_per_address)
        return _throttle


def reset_login_throttle() -> None:
    """Forget every counter (tests; an administrator after an incident)."""
    login_throttle().reset()
