"""The registry (issue #11): one declared order, nothing registered by import, nested hooks after outer ones."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

import hotline
from hotline import registry
from hotline.orders.enums import Action
from hotline.registry import HookSpec
from tests.integration.helpers import create, leaf_category

ROOT = Path(hotline.__file__).parent


def _installed_signature(r: registry.Registry) -> list[tuple[str, str]]:
    return ([("hook", f"{h.package}:{h.fn.__module__}.{h.fn.__qualname__}") for h in r.hooks]
            + [("handler", f"{k}:{fn.__module__}.{fn.__qualname__}") for k, (fn, _p) in r.handlers.items()]
            + [("command", n) for n, _a, _p in r.commands] + [("nav", n.href) for n in r.nav]
            + [("task", t[1]) for t in r.worker_tasks])


def test_every_process_installs_the_same_thing_in_the_same_order() -> None:
    """The app, worker, CLI and tests all call install(); a fresh build gives exactly the same registry."""
    installed = registry.install()
    assert registry.get() is installed and registry.install() is installed  # once per process
    assert installed.installed == list(registry.INSTALL_ORDER)
    assert _installed_signature(registry.build()) == _installed_signature(installed)


def test_the_app_serves_every_router_the_plugins_declare(client: TestClient) -> None:
    # the app's one flat route table (hotline/web/routes.py) holds a copy of every declared route
    served = {(r.path, frozenset(getattr(r, "methods", ()) or ()), getattr(r, "endpoint", None))
              for r in client.app.routes}  # type: ignore[attr-defined]
    for router, pkg in registry.get().api_routers + registry.get().page_routers:
        assert router.routes, f"{pkg} declares an empty router"
        for route in router.routes:
            assert (route.path, frozenset(route.methods), route.endpoint) in served, f"{pkg}'s {route.path} is not served"
    assert client.get("/api/v1/me").status_code == 401  # org's API answers (not a 404)


def test_the_cli_mounts_every_declared_command() -> None:
    from typer.main import get_command

    from hotline.cli import app

    names = set(get_command(app).commands)  # type: ignore[attr-defined]
    assert {n for n, _a, _p in registry.get().commands} <= names


def test_a_second_registration_is_an_error() -> None:
    r = registry.Registry()
    r.package = "test"
    r.handler(Action.urge, lambda *a: (None, None, {}))
    with pytest.raises(RuntimeError, match="already registered"):
        r.handler(Action.urge, lambda *a: (None, None, {}))
    r.nav_item("x", "/x", roles={"admin"})
    with pytest.raises(RuntimeError, match="twice"):
        r.nav_item("y", "/x", roles={"admin"})
    r.sender("sms", object())
    with pytest.raises(RuntimeError, match="already registered"):
        r.sender("sms", object())


def test_no_package_registers_by_being_imported() -> None:
    """No models.py imports flows (or any module that registers); no decorator registers at import."""
    for path in ROOT.glob("*/models.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = {a.name for a in node.names}
                assert not (names & {"flows", "facts", "index", "orders", "delivery"}
                            and node.module == f"hotline.{path.parent.name}"), f"{path}: {ast.unparse(node)}"
                assert not node.module.endswith((".flows", ".facts", ".delivery")), f"{path}: {ast.unparse(node)}"
    for path in ROOT.glob("*/__init__.py"):  # a package's __init__ imports none of its modules
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert not [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))
                    and ast.unparse(n).startswith(f"from hotline.{path.parent.name}")], f"{path} imports for effect"
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts or path.name in ("plugin.py", "registry.py"):
            continue
        text = path.read_text(encoding="utf-8")
        for marker in ("@on_action", "@register_handler", "@register_blockers", "@provider(", "\nnav_item("):
            assert marker not in text, f"{path.relative_to(ROOT)} registers by import: {marker!r}"


@pytest.fixture
def probe_hooks() -> Iterator[list[str]]:
    """Hooks added for one test: each appends its name, the dispatching one starts a nested action."""
    seen: list[str] = []
    r = registry.get()
    before = list(r.hooks)

    def first(db: Session, order: Any, actor: Any, event: Any, now: Any) -> None:
        seen.append(f"first:{event.action}")

    def nesting(db: Session, order: Any, actor: Any, event: Any, now: Any) -> None:
        from hotline.orders.actor import SYSTEM_ACTOR
        from hotline.orders.flows import do_action

        seen.append(f"nesting:{event.action}")
        if order.content.startswith("NEST"):
            seen.append("nested dispatch starts")
            do_action(db, order=order, actor=SYSTEM_ACTOR, action=Action.dispatch,
                      payload={"lead_unit": "dept-chengguan", "category_code": order.content.split()[1]}, now=now)
            seen.append("nested dispatch returned")

    def last(db: Session, order: Any, actor: Any, event: Any, now: Any) -> None:
        seen.append(f"last:{event.action}")

    def on_dispatched(db: Session, order: Any, actor: Any, event: Any, now: Any) -> None:
        seen.append(f"dispatched-status:{event.action}")

    r.hooks.append(HookSpec(first, frozenset({"create", "dispatch"}), None, "test"))
    r.hooks.append(HookSpec(nesting, frozenset({"create"}), None, "test"))
    r.hooks.append(HookSpec(last, frozenset({"create", "dispatch"}), None, "test"))
    r.hooks.append(HookSpec(on_dispatched, None, frozenset({"dispatched"}), "test"))
    try:
        yield seen
    finally:
        r.hooks[:] = before


def test_a_nested_actions_hooks_run_after_the_outer_actions(client: TestClient, as_user,  # type: ignore[no-untyped-def]
                                                            probe_hooks: list[str]) -> None:
    cat = leaf_category(client, as_user("dispatcher"))
    order = create(client, as_user("operator1"), content=f"NEST {cat} 小区门口每天晚上有摊贩占道经营，希望处理。")
    assert order["status"] == "dispatched"
    # the dispatch ran inside the create hook, but its hooks waited for every create hook to finish
    assert probe_hooks == [
        "first:create", "nesting:create", "nested dispatch starts", "nested dispatch returned", "last:create",
        "dispatched-status:dispatch", "first:dispatch", "last:dispatch",  # observers of every action first
    ]


def test_a_hook_can_be_limited_to_statuses(client: TestClient, as_user,  # type: ignore[no-untyped-def]
                                          probe_hooks: list[str]) -> None:
    create(client, as_user("operator1"))
    assert "dispatched-status:create" not in probe_hooks  # the create left it 'received'
    assert probe_hooks[:2] == ["first:create", "nesting:create"]


def test_webhooks_hear_the_create_before_a_nested_dispatch(client: TestClient, as_user, db: Session,  # type: ignore[no-untyped-def]
                                                          probe_hooks: list[str]) -> None:
    """The observer sees the create as the create left it, and queues it before the nested dispatch."""
    from sqlalchemy import select

    from hotline.outbox.models import OutboxMessage
    from hotline.webhooks.models import WebhookSubscription

    db.add(WebhookSubscription(name="probe", url="https://example.org/hook", secret="whsec_" + "A" * 32,
                               events=["*"], active=True))
    db.flush()
    cat = leaf_category(client, as_user("dispatcher"))
    order = create(client, as_user("operator1"), content=f"NEST {cat} 小区门口每天晚上有摊贩占道经营，希望处理。")
    from hotline.orders.models import Order

    oid = db.scalar(select(Order.id).where(Order.number == order["number"]))
    rows = db.scalars(select(OutboxMessage).where(OutboxMessage.channel == "webhook",
                                                  OutboxMessage.order_id == oid).order_by(OutboxMessage.id)).all()
    assert [m.topic for m in rows] == ["webhook.order.create", "webhook.order.dispatch"]
    assert rows[0].payload["body"]["order"]["status"] == "received"  # as the create left it
