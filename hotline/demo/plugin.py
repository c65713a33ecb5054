"""demo: nothing at run time; ``hotline seed`` and ``hotline demo`` (hotline/cli.py) drive it."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    """Nothing to install."""
