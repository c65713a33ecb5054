"""i18n adds nothing to the registry: its catalogues are read by ``gettext`` (hotline/i18n)."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    """Nothing to install."""
