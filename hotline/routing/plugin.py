"""routing: the suggestion recorded at 受理 (and auto-dispatch for self-service), the operator's
choice and failures as learning data, the assistant's routing section, pages, API, ``hotline routing``."""

from __future__ import annotations

from hotline.orders.enums import Action
from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.routing import cli, flows, pages, suggest, views

    r.on_action(flows.record_suggestion, Action.create)
    r.on_action(flows.record_choice, Action.dispatch, Action.subdispatch)
    r.on_action(flows.record_failure, Action.approve_return, Action.redispatch)
    r.suggestion(suggest.routing_section, order=10)
    r.api(views.router)
    r.pages(pages.router)
    r.nav_item("分拣队列", "/routing/triage", roles={"dispatcher"}, order=25)
    r.nav_item("派单准确率", "/routing", roles={"dispatcher", "supervisor", "admin", "leader"}, order=70)
    r.nav_item("派单目录", "/routing/catalogue", roles={"admin"}, order=90)
    r.command("routing", cli.routing_app)
