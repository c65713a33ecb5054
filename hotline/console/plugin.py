"""console: the order pages (queues, intake, the order page), the assistant's endpoint and the
templates' shared labels (``role_labels`` …) as Jinja globals."""

from __future__ import annotations

from hotline.city.schema import Role
from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.console import assist, pages, support
    from hotline.web.templating import templates

    templates.env.globals.update(support.JINJA_GLOBALS)
    r.pages(pages.router)
    r.pages(assist.router)
    # the order console's own places, in the one nav order the packages' items share (docs/console.md)
    r.nav_item("受理工单", "/orders/new", roles={"operator", "dispatcher"}, order=10)
    r.nav_item("派单队列", "/queue", roles={"dispatcher", "operator", "supervisor"}, order=20)
    r.nav_item("待办", "/inbox", roles={"unit_handler", "unit_leader"}, order=20)
    r.nav_item("工单列表", "/orders", roles={x.value for x in Role}, order=30)
