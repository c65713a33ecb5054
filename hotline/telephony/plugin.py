"""telephony: call events, the call pop, staffing; pages, API and ``hotline telephony``."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.telephony import cli, pages, views

    r.api(views.router)
    r.pages(pages.router)
    r.nav_item("话务", "/telephony", roles=pages.VIEWER_ROLES, order=70)
    r.command("telephony", cli.telephony_app)
