"""Every package directory is a real package, so discovery (hotline/registry.py) finds it."""

from __future__ import annotations

from pathlib import Path

import hotline


def test_every_package_has_an_init() -> None:
    root = Path(hotline.__file__).parent
    missing = [str(d.relative_to(root)) for d in root.rglob("*") if d.is_dir() and d.name != "__pycache__"
               and any(d.glob("*.py")) and not (d / "__init__.py").exists()
               and "migrations" not in d.parts]
    assert missing == [], f"add __init__.py to: {missing}"


def test_registry_finds_the_core_packages() -> None:
    from hotline.registry import packages

    assert {"orders", "org", "routing", "sla", "web"} <= set(packages())
