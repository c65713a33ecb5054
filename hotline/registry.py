"""Find each domain package's models, API routers, console pages and CLI commands.

Convention (docs/architecture.md): a package ``hotline/<noun>/`` may have
- ``models.py``   — SQLAlchemy models (imported so that Base.metadata is complete);
- ``views.py``    — a module-level ``router`` for the REST API;
- ``pages.py``    — a module-level ``router`` for console pages;
- ``cli.py``      — a typer app named ``<noun>_app``, mounted as ``hotline <noun>``.
New packages plug in by following it; nothing central needs editing.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import hotline


def packages() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(hotline.__path__) if m.ispkg and m.name != "migrations")


def modules(name: str) -> list[tuple[str, ModuleType]]:
    """(package, module) for every package that has ``hotline.<package>.<name>``."""
    out = []
    for pkg in packages():
        spec = importlib.util.find_spec(f"hotline.{pkg}.{name}")
        if spec is not None:
            out.append((pkg, importlib.import_module(f"hotline.{pkg}.{name}")))
    return out


def import_models() -> None:
    modules("models")


def load_all() -> None:
    """Models, then flows (which register their order hooks): call before serving or seeding."""
    modules("models")
    modules("flows")
