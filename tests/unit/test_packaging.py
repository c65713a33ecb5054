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


def test_every_data_file_is_package_data() -> None:
    """An installed wheel must carry every non-Python file the code reads (templates, the city and demo data,
    static files with their licences): each must match a ``[tool.setuptools.package-data]`` glob."""
    import tomllib

    root = Path(hotline.__file__).parent
    pyproject = tomllib.loads((root.parent / "pyproject.toml").read_text(encoding="utf-8"))
    globs = pyproject["tool"]["setuptools"]["package-data"]["hotline"]
    shipped = {p for g in globs for p in root.glob(g) if p.is_file()}
    data = {p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".py", ".pyc")}
    assert sorted(str(p.relative_to(root)) for p in data - shipped) == []
    assert (root / "demo" / "data" / "specs.yaml") in shipped
