"""replies: every reply is scored; a perfunctory one cannot be completed without a written reason;
flags, pages, API and ``hotline replies``; suspected fake completions (疑似虚假办结) from callbacks and repeat
calls, answered and decided like any flag."""

from __future__ import annotations

from hotline.orders.enums import Action
from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.replies import cli, flows, pages, views

    r.on_action(flows.score_on_reply, Action.reply)
    r.guard(flows.check_complete, Action.complete)
    r.on_action(flows.record_review, Action.complete)
    r.extend("callbacks.evaluated", flows.fake_on_evaluation)  # 疑似虚假办结: the citizen says unsolved
    r.on_action(flows.fake_on_repeat_call, Action.create)  # … or calls again about the same matter
    r.api(views.router)
    r.pages(pages.router)
    r.nav_item("答复标记", "/reply-flags", roles={"supervisor", "dispatcher", "unit_handler", "unit_leader"},
               order=46)
    r.command("replies", cli.replies_app)
