"""The console's top navigation, contributed by packages.

A package's ``pages.py`` calls ``nav_item(...)`` at import time; base.html shows
the items whose roles include the current user's.  Labels are Chinese source
strings, translated with ``_()`` like any template text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    roles: frozenset[str]
    order: int


NAV: list[NavItem] = []


def nav_item(label: str, href: str, *, roles: set[str] | frozenset[str], order: int = 50) -> None:
    if any(n.href == href for n in NAV):
        return
    NAV.append(NavItem(label, href, frozenset(roles), order))
    NAV.sort(key=lambda n: n.order)


def items_for(role: str) -> list[NavItem]:
    return [n for n in NAV if role in n.roles]
