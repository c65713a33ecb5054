"""city adds nothing at run time: the city file is read on demand (``hotline.city.service``)."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    """Nothing to install."""
