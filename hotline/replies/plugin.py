"""replies: every reply is scored; a perfunctory one cannot be completed without a written reason;
flags, pages, API and ``hotline replies``."""

from __future__ import annotations

from hotline.orders.enums import Action
from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.replies import cli, flows, pages, views

    r.on_action(flows.score_on_reply, Action.reply)
    r.guard(flows.check_complete, Action.complete)
    r.on_action(flows.record_review, Action.complete)
    r.api(views.router)
    r.pages(pages.router)
    r.nav_item("敷衍答复标记", "/reply-flags", roles={"supervisor", "dispatcher", "unit_handler", "unit_leader"},
               order=46)
    r.command("replies", cli.replies_app)
