"""city: the city file is read on demand (``hotline.city.service``); the live settings versions
(``hotline.city.live``) are refreshed at the start of every session transaction."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    """The live settings' freshness check (one small query per transaction, ``hotline.city.live``)."""
    from hotline.city import live

    live.install_listener()
