"""console: the order pages (queues, intake, the order page), the assistant's endpoint and the
templates' shared labels (``role_labels`` …) as Jinja globals."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.console import assist, pages, support
    from hotline.web.templating import templates

    templates.env.globals.update(support.JINJA_GLOBALS)
    r.pages(pages.router)
    r.pages(assist.router)
