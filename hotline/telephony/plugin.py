"""telephony: call events, missed-call callbacks (漏话回拨), the call pop, staffing; pages, API and ``hotline telephony``."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.telephony import cli, pages, views

    r.api(views.router)
    r.pages(pages.router)
    r.nav_item("话务", "/telephony", roles=pages.VIEWER_ROLES, order=70)
    r.nav_item("漏话回拨", "/telephony/missed", roles={"operator", "dispatcher"}, order=15)
    r.command("telephony", cli.telephony_app)
