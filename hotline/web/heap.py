"""Keep the garbage collector's full passes off the pages: freeze the long-lived heap after warm-up.

Why: a console process holds about 300,000 container objects that live as long as it does (the
ORM's mappers, the routes, the compiled templates, the routing models' vocabularies) and gains
~90,000 more as its first pages fill their caches.  CPython's oldest-generation collection walks
every one of them; on the demo that pass took ~360 ms, and whichever GET it fell into was the slow
one in twenty that kept four console pages over issue #20's 150 ms p95 (measured with
``gc.callbacks``, docs/benchmarks.md).  ``gc.freeze()`` moves the objects alive at that moment to
a permanent generation that later passes skip, so they cost nothing again.

When: after the process's 1st, 50th and 1,000th request (each time after a ``gc.collect()``, so
only what is still alive is frozen; only the first pass walks the whole heap).  The later freezes
take in the caches that the first pages did not fill.  Cycles among frozen objects that die later
are never reclaimed; what is alive between requests is module state and caches, so that is small
and bounded to three freezes per process.  ``HOTLINE_GC_FREEZE=false`` turns it off.
"""

from __future__ import annotations

import gc
import threading

from starlette.types import ASGIApp, Receive, Scope, Send

#: requests (per process) after which the heap is collected and frozen
FREEZE_AFTER = (1, 50, 1000)

_lock = threading.Lock()
_served = 0


def freeze_long_lived() -> int:
    """Collect, then freeze what survives; how many objects are now frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def _count_one() -> bool:
    """Count a finished request; whether it is one after which to freeze."""
    global _served
    with _lock:
        _served += 1
        return _served in FREEZE_AFTER


class HeapFreeze:
    """ASGI middleware: after the requests in ``FREEZE_AFTER``, freeze the heap (see the module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
        if scope["type"] == "http" and _count_one():
            freeze_long_lived()  # after the response went out: the client is not kept waiting
