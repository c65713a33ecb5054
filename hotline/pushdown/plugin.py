"""pushdown: a reason for dispatching department work to a township (guard on 派单), its record and
review, the dispatch form's reason field, the supervisor board's counts per dispatcher."""

from __future__ import annotations

from hotline.orders.enums import Action
from hotline.registry import Registry

DISPATCHES = (Action.dispatch, Action.subdispatch, Action.redispatch)


def install(r: Registry) -> None:
    from hotline.pushdown import flows, pages, views

    r.guard(flows.guard, *DISPATCHES)
    r.on_action(flows.record, *DISPATCHES)
    r.extend("supervision.board_panels", pages.board_panel)
    r.api(views.router)
    r.pages(pages.router)
    r.nav_item("下沉派单", "/pushdowns", roles={"supervisor", "dispatcher", "leader"}, order=47)
