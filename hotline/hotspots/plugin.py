"""hotspots: the grouping of demands about the same matter, its CLI, and the province's cross-city panel."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.hotspots import cli, province

    r.command("hotspots", cli.hotspots_app)
    r.extend("province.panels", province.panel)  # cross-city hot matters on /province
