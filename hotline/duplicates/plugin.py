"""duplicates: the similarity index follows every action; repeat calls at intake; outcomes reach
merged children; the assistant's duplicate and caller-history sections; pages and API."""

from __future__ import annotations

from hotline.orders.enums import Action
from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.duplicates import cli, flows, index, pages, suggest, views

    r.observe(index.keep_index)
    r.on_action(flows.repeat_on_create, Action.create)
    r.on_action(flows.outcome_to_children, Action.reply, Action.complete, Action.answer_first_contact)
    r.suggestion(suggest.duplicates, order=20)
    r.suggestion(suggest.caller_history, order=30)
    r.api(views.router)
    r.pages(pages.router)
    r.nav_item("重复来电", "/repeats", roles={"dispatcher", "supervisor"}, order=40)
    r.command("duplicates", cli.duplicates_app)
