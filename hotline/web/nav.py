"""The console's top navigation, contributed by packages.

Each package's ``plugin.py`` adds its items with ``r.nav_item(...)`` (``hotline.registry``); the order
console adds its own (受理, 派单队列, 待办, 工单) the same way.  Labels are Chinese source strings,
translated with ``_()`` like any template text.

``layout_for`` decides what a role sees (docs/console.md): the role's items in the one declared order
(``order=``, the same for every role), at most ``TOP_LIMIT`` of them on the top bar.  A role with more
keeps its first ``TOP_LIMIT - 1`` on the bar and the rest under one menu, 更多, which is the seventh.
Low ``order`` numbers are the day's work (intake, queues, inboxes, callbacks), high ones are looking
and administering (dashboards, rankings, settings), so the menu holds the occasional pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hotline import registry
from hotline.registry import NavItem

__all__ = ["TOP_LIMIT", "NavItem", "NavLayout", "items_for", "layout_for"]

TOP_LIMIT = 7


@dataclass(frozen=True)
class NavLayout:
    top: list[NavItem]
    more: list[NavItem] = field(default_factory=list)

    def count(self) -> int:
        """Top-level entries: the links on the bar, and the menu if there is one."""
        return len(self.top) + (1 if self.more else 0)


def items_for(role: str) -> list[NavItem]:
    return [n for n in registry.get().nav if role in n.roles]


def layout_for(role: str) -> NavLayout:
    items = items_for(role)
    if len(items) <= TOP_LIMIT:
        return NavLayout(items)
    return NavLayout(items[:TOP_LIMIT - 1], items[TOP_LIMIT - 1:])
