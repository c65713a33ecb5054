"""portal: the citizen portal's pages."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.portal import pages

    r.pages(pages.router)
