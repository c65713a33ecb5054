"""supervision: the deadline sweep (催办 at yellow, 督办 when overdue) and the supervisor board; the handlers of 催办, 督办 and 督办回复; supervisions settle when an order ends;
overdue supervisions are flagged by the sweep; pages and API."""

from __future__ import annotations

from hotline.orders.enums import Action
from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.supervision import board, flows, pages, sweep, views

    r.worker_task("sweep", sweep.run_sweep, phase="sweep")

    r.handler(Action.urge, flows.h_urge)
    r.handler(Action.supervise, flows.h_supervise)
    r.handler(Action.respond_supervision, flows.h_respond)
    r.blocker(flows.supervision_blockers)
    r.on_action(flows.settle_on_end, Action.close, Action.withdraw, Action.cancel_duplicate, Action.hand_off,
                Action.inform)
    r.sweep_step(flows.flag_overdue_supervisions)
    r.api(views.router)
    r.pages(board.router)
    r.pages(pages.router)
    r.nav_item("督办看板", "/supervision", roles=board.BOARD_ROLES, order=60)
    r.nav_item("我的督办", "/supervision/mine", roles=pages.UNIT_ROLES, order=61)
    r.nav_item("问责记录", "/supervision/accountability", roles={"supervisor", "leader", "unit_leader"}, order=62)
    # 通知 is the bell beside the user's name on every page (base.html), not one more nav item
