"""enterprise: 涉企诉求 — the enterprise desk's queue and figures, the USCC check (国办函〔2025〕66号)."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.enterprise import pages, views

    r.api(views.router)
    r.pages(pages.router)
    r.nav_item("涉企诉求", "/enterprise", roles=set(views.DESK_ROLES), order=42)
