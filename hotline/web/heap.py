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
And after every full pass the collector makes on its own once warm: the caches keep growing after the
1,000th request's freeze too (compiled statements, segmented lines, the unit tree of each city), and
CPython's oldest-generation pass walks all of them each time it runs — on the demo 50–100 ms, several
times in a bench of 1,700 GETs (``gc.callbacks``, docs/benchmarks.md).  A pass that just ran has left
only live objects in the oldest generation, so after the request it fell into the heap is frozen again
(young generations collected first, as above): the next pass walks only what arrived since — at most
``MAX_AFTER_FULL_PASS`` times a process, since what is frozen and later dies in a cycle stays.
``HOTLINE_GC_FREEZE=false`` turns it off.
"""

from __future__ import annotations

import gc
import threading

from starlette.types import ASGIApp, Receive, Scope, Send

#: requests (per process) after which the heap is collected and frozen
FREEZE_AFTER = (1, 50, 1000)
#: freezes after the collector's own full passes, at most (per process): a frozen object that later dies
#: inside a reference cycle is never collected, so the number of freezes stays bounded; by then the
#: caches have stopped growing and the collector's passes are rare
MAX_AFTER_FULL_PASS = 10

_lock = threading.Lock()
_served = 0
_full_pass = False  # the collector made a full pass of its own since the last freeze (``_on_collect``)
_after_full = 0  # freezes made after such a pass


def freeze_long_lived(full: bool = True) -> None:
    """Collect (every generation, or only the two young ones), then freeze what survives.

    (``gc.get_freeze_count()`` is not asked here: it walks the frozen list, ~25 ms at 650,000 objects.)"""
    global _full_pass
    gc.collect() if full else gc.collect(1)
    gc.freeze()
    _full_pass = False  # this freeze's own full pass is not one to freeze after again


def _count_one() -> bool | None:
    """Count a finished request: None, or whether the freeze after it is the first (a full collection)."""
    global _served, _full_pass, _after_full
    with _lock:
        _served += 1
        if _served in FREEZE_AFTER:
            _full_pass = False
            return _served == FREEZE_AFTER[0]
        if _full_pass and _served > FREEZE_AFTER[0] and _after_full < MAX_AFTER_FULL_PASS:
            _full_pass = False
            _after_full += 1
            return False  # a young-generation collection, then the freeze
        return None


def _on_collect(phase: str, info: dict[str, int]) -> None:
    """``gc.callbacks``: note a finished full pass; the middleware freezes after the request it fell into
    (not here, inside the collector)."""
    global _full_pass
    if phase == "stop" and info.get("generation") == 2:
        _full_pass = True


class HeapFreeze:
    """ASGI middleware: after the requests in ``FREEZE_AFTER``, and after a request during which the
    collector made a full pass, freeze the heap (see the module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        if _on_collect not in gc.callbacks:
            gc.callbacks.append(_on_collect)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
        if scope["type"] == "http" and (first := _count_one()) is not None:
            freeze_long_lived(full=first)  # after the response went out: the client is not kept waiting
