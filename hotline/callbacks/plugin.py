"""callbacks: a 回访 task when an order is completed, settled when it is reopened or archived; 归档
blocked while a callback result waits for review; pages and API."""

from __future__ import annotations

from hotline.orders.enums import Action
from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.callbacks import flows, pages, views

    r.on_action(flows.create_task, Action.complete, Action.answer_first_contact)
    r.on_action(flows.settle_open_tasks, Action.reopen, Action.close)
    r.blocker(flows.callback_blockers)
    r.api(views.router)
    r.pages(pages.router)
    r.nav_item("回访", "/callbacks", roles={"callback_agent", "dispatcher", "supervisor"}, order=40)
