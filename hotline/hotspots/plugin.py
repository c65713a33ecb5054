"""hotspots: the grouping of demands about the same matter, and its CLI."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.hotspots import cli

    r.command("hotspots", cli.hotspots_app)
