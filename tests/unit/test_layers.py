"""Production code imports nothing from ``hotline.demo``.

Why: the demo (青阳市's generated demands, its seed script, its starting models)
stands in for a city's own history.  When production code reaches into it, a
real city silently runs on invented data — the duplicate detector's IDF fitted
on generated texts was such a case.  The demo may use everything; nothing may
use the demo.  Imports inside functions count as much as those at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import hotline

ROOT = Path(hotline.__file__).parent

#: Modules (or package folders, ending in "/") allowed to import the demo, each with why.
EXEMPT_MODULES: dict[str, str] = {}
#: Functions allowed to import the demo: the commands that exist to start it.
EXEMPT_FUNCTIONS = {
    ("cli.py", "seed"): "`hotline seed` loads the demo orders",
    ("cli.py", "demo"): "`hotline demo` starts the demo",
}


def _package_of(rel: Path) -> str:
    """The package a module's relative imports start from."""
    return ".".join(["hotline", *rel.parent.parts])


def _is_demo(name: str) -> bool:
    return name == "hotline.demo" or name.startswith("hotline.demo.")


def demo_imports(source: str, package: str) -> list[tuple[int, str | None]]:
    """(line, enclosing function or None) of every import of ``hotline.demo`` in ``source``."""
    tree = ast.parse(source)
    found: list[tuple[int, str | None]] = []

    def visit(node: ast.AST, func: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) and func is None \
                else func
            names: list[str] = []
            if isinstance(child, ast.Import):
                names = [a.name for a in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:  # relative: resolve against this module's package
                    anchor = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                names = [base, *(f"{base}.{a.name}" for a in child.names)]
            elif (isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute | ast.Name)
                  and (child.func.attr if isinstance(child.func, ast.Attribute) else child.func.id) == "import_module"
                  and child.args and isinstance(child.args[0], ast.Constant) and isinstance(child.args[0].value, str)):
                names = [child.args[0].value]
            if any(_is_demo(n) for n in names):
                found.append((child.lineno, inner))
            visit(child, inner)

    visit(tree, None)
    return found


def test_production_code_imports_nothing_from_the_demo() -> None:
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        posix = rel.as_posix()
        if posix.startswith("demo/") or any(posix.startswith(k) for k in EXEMPT_MODULES if k.endswith("/")):
            continue
        for line, func in demo_imports(path.read_text(encoding="utf-8"), _package_of(rel)):
            if (posix, func) not in EXEMPT_FUNCTIONS:
                offenders.append(f"hotline/{posix}:{line}")
    assert offenders == [], f"production code imports hotline.demo: {offenders}"


def test_the_check_finds_every_way_of_importing_the_demo() -> None:
    source = (
        "import hotline.demo.texts\n"
        "from hotline import demo\n"
        "def f():\n"
        "    from hotline.demo.seed import seed_demo\n"
        "    importlib.import_module('hotline.demo.routing')\n"
        "from ..demo import texts\n"
        "from hotline import demography\n"  # not the demo
        "import hotline.demographics\n"
    )
    assert demo_imports(source, "hotline.routing") == [(1, None), (2, None), (4, "f"), (5, "f"), (6, None)]


def test_the_demo_may_use_production_code() -> None:
    """The other direction is how it should be: the demo seeds its models through routing's ``register``."""
    source = (ROOT / "demo" / "routing.py").read_text(encoding="utf-8")
    assert "from hotline.routing.training import register" in source
