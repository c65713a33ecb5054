"""linkage: 12345–110/119/120/122 联动 — the hand-off record on 转应急 (a hook), the status shared with a desk
that handed an order to 12345 (an observer), the desks' sender, API and the order page's panel (docs/linkage.md)."""

from __future__ import annotations

from hotline.orders.enums import Action
from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.linkage import delivery, flows, pages, views

    r.on_action(flows.record_hand_off, Action.hand_off)
    r.observe(flows.share_status)
    r.sender(flows.CHANNEL, delivery.LinkageSender())
    r.api(views.router)
    r.pages(pages.router)
