"""web: login, language and error pages, the order console (queues, intake, the order page) and the
intake assistant's endpoint."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.web import pages

    r.pages(pages.router)
