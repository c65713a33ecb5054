"""admin: the 管理 pages (people, audit log) and the account pages (password, second factor)."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.admin import account, pages

    r.pages(pages.router)
    r.pages(account.router)
    r.nav_item("管理", "/admin", roles={"admin"}, order=5)
