"""The console's top navigation, contributed by packages.

Each package's ``plugin.py`` adds its items with ``r.nav_item(...)`` (``hotline.registry``);
base.html shows the items whose roles include the current user's.  Labels are Chinese source
strings, translated with ``_()`` like any template text.
"""

from __future__ import annotations

from hotline import registry
from hotline.registry import NavItem

__all__ = ["NavItem", "items_for"]


def items_for(role: str) -> list[NavItem]:
    return [n for n in registry.get().nav if role in n.roles]
