"""The declared installation order is a layering: a package imports only packages installed before it.

That is stronger than "no import cycles between packages" (issue #11) and is what makes the order
meaningful: a package's hooks can rely on everything it imports being installed already.
Imports under ``if TYPE_CHECKING:`` are for annotations only and do not count.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import hotline
from hotline.registry import INSTALL_ORDER

ROOT = Path(hotline.__file__).parent


def package_imports(root: Path = ROOT) -> dict[tuple[str, str], list[str]]:
    """(importer, imported) package pairs with the places they happen, module level or in functions."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in root.rglob("*.py"):
        rel = path.relative_to(root)
        if len(rel.parts) == 1 or rel.parts[0] == "migrations":
            continue
        src = rel.parts[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {id(n) for node in ast.walk(tree)
                       if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
                       for n in ast.walk(node)}
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            mods: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("hotline."):
                mods = [node.module]
            elif isinstance(node, ast.Import):
                mods = [a.name for a in node.names if a.name.startswith("hotline.")]
            for mod in mods:
                dst = mod.split(".")[1]
                if dst != src and (root / dst / "__init__.py").exists():
                    edges[(src, dst)].append(f"{rel}:{node.lineno}")
    return edges


def test_every_package_imports_only_packages_installed_before_it() -> None:
    pos = {p: i for i, p in enumerate(INSTALL_ORDER)}
    against = {f"{a} -> {b}": places[:3] for (a, b), places in package_imports().items()
               if a in pos and b in pos and pos[b] > pos[a]}
    assert against == {}, "imports against hotline.registry.INSTALL_ORDER (a cycle, or a wrong order)"


def test_the_check_sees_function_level_imports(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for pkg in ("a", "b"):
        (tmp_path / pkg / "__init__.py").write_text("")
    (tmp_path / "a" / "x.py").write_text("def f():\n    from hotline.b.y import z\n")
    (tmp_path / "b" / "y.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from hotline.a import x\n")
    assert set(package_imports(tmp_path)) == {("a", "b")}
