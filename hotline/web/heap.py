"""Keep the garbage collector's full passes off the pages: freeze the long-lived heap after warm-up.

Why: a console process holds about 300,000 container objects that live as long as it does (the
ORM's mappers, the routes, the compiled templates, the routing models' vocabularies) and gains
~90,000 more as its first pages fill their caches.  CPython's oldest-generation collection walks
every one of them; on the demo that pass took ~360 ms, and whichever GET it fell into was the slow
one in twenty that kept four console pages over issue #20's 150 ms p95 (measured with
``gc.callbacks``, docs/benchmarks.md).  ``gc.freeze()`` moves the objects alive at that moment to
a permanent generation that later passes skip, so they cost nothing again.

When: after the process's 1st, 50th and 1,000th request.  The first freeze follows a full
``gc.collect()``, so only what is alive is frozen.  The later ones take in the caches that the first
pages filled, after a collection of the two young generations only: a full pass there walked the
~300,000 objects that arrived since the first freeze and took 57 and 138 ms, a pause in the
event loop after each of those requests (the console bench caught it as the same page over 150 ms
in both of its processes, docs/benchmarks.md).  What that skips is garbage that had already reached
the oldest generation: it stays frozen, as do cycles among frozen objects that die later.  Both are
bounded by the two later freezes; what is alive between requests is module state and caches.
``HOTLINE_GC_FREEZE=false`` turns it off.
"""

from __future__ import annotations

import gc
import threading

from starlette.types import ASGIApp, Receive, Scope, Send

#: requests (per process) after which the heap is collected and frozen
FREEZE_AFTER = (1, 50, 1000)

_lock = threading.Lock()
_served = 0


def freeze_long_lived(full: bool = True) -> None:
    """Collect (every generation, or only the two young ones), then freeze what survives.

    (``gc.get_freeze_count()`` is not asked here: it walks the frozen list, ~25 ms at 650,000 objects.)"""
    gc.collect() if full else gc.collect(1)
    gc.freeze()


def _count_one() -> bool | None:
    """Count a finished request: None, or whether the freeze after it is the first (a full collection)."""
    global _served
    with _lock:
        _served += 1
        return _served == FREEZE_AFTER[0] if _served in FREEZE_AFTER else None


class HeapFreeze:
    """ASGI middleware: after the requests in ``FREEZE_AFTER``, freeze the heap (see the module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
        if scope["type"] == "http" and (first := _count_one()) is not None:
            freeze_long_lived(full=first)  # after the response went out: the client is not kept waiting
