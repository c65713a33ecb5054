"""knowledge: the knowledge base's pages, API, assistant section and ``hotline knowledge``."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.knowledge import cli, pages, suggest, views

    r.suggestion(suggest.knowledge, order=40)
    r.api(views.router)
    r.pages(pages.router)
    r.nav_item("知识库", "/knowledge", roles=pages.STAFF, order=60)
    r.command("knowledge", cli.knowledge_app)
