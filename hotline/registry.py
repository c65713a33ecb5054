"""The one declared order in which the packages install what they add.

Every package ``hotline/<noun>/`` has a ``plugin.py`` with ``install(r: Registry)``.  It is the
only place where the package adds anything to the whole: order hooks (with the actions and
statuses they apply to), action handlers and guards, lifecycle blockers, notice senders, nav
items, intake-assistant sections, deadline-sweep steps, worker tasks, API and console routers,
and ``hotline <noun>`` commands.  Nothing registers itself by being imported.

``INSTALL_ORDER`` is the declared order.  It is a topological order of the packages' imports
(a package installs after every package it imports; ``tests/unit/test_registry.py`` checks it
and that there are no import cycles between packages).  The app (``hotline.main``), the worker
(``hotline.outbox.worker``), the CLI (``hotline.cli``) and the tests all call ``install()``,
which runs the same ``install`` functions in the same order, once per process.

What the order decides (docs/architecture.md, "The registry"):
- hooks of one action run in installation order, except that observers of every action run
  before the action's own hooks (they see the order as the action left it);
- a hook that starts another action (routing's auto-dispatch inside 受理) does not run that
  action's hooks in the middle of its own: they run after the outer action's hooks
  (``hotline.orders.hooks``);
- routers are included in installation order (the core's paths first);
- nav items and assistant sections are shown by their own ``order`` number, ties by installation.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # typing only: the registry imports no domain package at run time
    import typer
    from fastapi import APIRouter

#: The declared order of installation (see the module docstring).  A new package is added here.
INSTALL_ORDER: tuple[str, ...] = (
    "city",  # the city file (schema, loader), the cities and the acting city (tenancy)
    "org",  # units, categories, users, sessions, tokens, audit; mirroring a city file (org.cities)
    "sla",  # the working-day calendar and time-limit policies
    "outbox",  # notice topics, the outbox, senders, the in-console inbox, delivery
    "idempotency",  # Idempotency-Key for intake
    "orders",  # the work order, its state machine and every write to it
    "i18n",  # the console's language catalogues (with the order's vocabulary)
    "web",  # the console's toolkit: templating, navigation, security, login, the assistant's sections
    "admin",  # 管理: people, the audit log; one's own account (password, TOTP second factor)
    "textindex",  # Chinese full-text index of new orders
    "supervision",  # the deadline sweep, 催办/督办/督办回复, accountability, the supervisor board
    "duplicates",  # similarity index (observer), repeat calls at intake, merge
    "routing",  # routing suggestion at intake, auto-dispatch, the learning loop
    "units",  # 管理 · 单位: the unit tree, rename (name history), move, merge and retire with a preview
    "callbacks",  # 回访 tasks after completion; blocks 归档 while a result waits
    "appeals",  # 申诉 and unreasonable-demand designations
    "pushdown",  # 下沉派单: a reason for sending department work to a township, reviewed and counted
    "transfers",  # 转办 between cities: the inter-centre handoff, both cities' sides in one transaction
    "kpi",  # limit facts, the three rates, rankings, dashboard
    "settings",  # live settings versions in the console: time limits, holidays, KPI weights; open orders' deadlines
    "province",  # every city side by side for provincial readers; adding a city
    "knowledge",  # the knowledge base
    "telephony",  # call events and staffing
    "webhooks",  # signed webhooks (observer) and their sender
    "linkage",  # 12345–110/119/120/122 联动: hand-off records, the desks' acks and status, inbound demands
    "open311",  # Open311 GeoReport v2
    "portal",  # the citizen portal
    "imports",  # CSV/Excel import and export
    "catalogue",  # 派单目录 and the categories edited in the console, versioned; routing reads the current one
    "console",  # the order console: queues, intake, the order page, the assistant's endpoint
    "replies",  # reply quality: scored at 答复, guarded at 办结; suspected fake completions at 回访
    "verification",  # on-site checks (现场核查) by grid workers, their phone app, patrol reports
    "enterprise",  # 涉企诉求: the enterprise desk's queue and figures
    "hotspots",  # hot matters: demands about the same matter grouped (pure grouping + CLI)
    "surges",  # 突发/激增: a category × territory or a hot matter above its expected level; alerts, panels
    "governance",  # 每月一题 projects from hot matters, 未诉先办 proactive tasks from seasonal history
    "worklists",  # saved views of the order lists (with counts) and bulk work on selected orders
    "phrases",  # 常用语: a unit's and the centre's reply templates; the reply form's tools
    "cityfile",  # 管理 · 城市文件: the live configuration exported as a city file, imported back with a diff preview
    "reports",  # 月度分析报告: the monthly report (HTML, stored PDF), subscriptions, the worker's monthly run
    "partitions",  # PostgreSQL: monthly partitions of the event tables (pg_partman), their maintenance, archived years
    "demo",  # the demo city's seeding (never imported by production code)
)

#: Packages that are not installed (no plugin): Alembic's revisions.
NOT_INSTALLED = frozenset({"migrations"})


@dataclass(frozen=True)
class HookSpec:
    """One order hook: ``fn(db, order, actor, event, now)`` after ``actions`` (None: every action)."""

    fn: Callable[..., None]
    actions: frozenset[str] | None
    statuses: frozenset[str] | None
    package: str

    def applies(self, action: str, status: str) -> bool:
        return ((self.actions is None or action in self.actions)
                and (self.statuses is None or status in self.statuses))


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    roles: frozenset[str]
    order: int
    package: str


@dataclass
class Registry:
    """What the installed packages added, in the order they added it."""

    hooks: list[HookSpec] = field(default_factory=list)
    handlers: dict[str, tuple[Callable[..., Any], str]] = field(default_factory=dict)
    guards: list[tuple[frozenset[str], Callable[..., None], str]] = field(default_factory=list)
    blockers: list[tuple[Callable[..., Any], str]] = field(default_factory=list)
    senders: dict[str, Any] = field(default_factory=dict)
    nav: list[NavItem] = field(default_factory=list)
    suggestions: list[tuple[int, Callable[..., Any], str]] = field(default_factory=list)
    sweep_steps: list[tuple[Callable[..., None], str]] = field(default_factory=list)
    worker_tasks: list[tuple[str, str, Callable[..., Any], str]] = field(default_factory=list)
    api_routers: list[tuple[APIRouter, str]] = field(default_factory=list)
    page_routers: list[tuple[APIRouter, str]] = field(default_factory=list)
    commands: list[tuple[str, typer.Typer, str]] = field(default_factory=list)
    extensions: dict[str, list[tuple[Callable[..., Any], str]]] = field(default_factory=dict)
    installed: list[str] = field(default_factory=list)
    package: str = ""

    # ------------------------------------------------------------ order hooks and actions

    def on_action(self, fn: Callable[..., None], *actions: Any, statuses: Iterable[Any] | None = None) -> None:
        """Run ``fn`` after these actions, in the action's transaction (a hook that raises aborts it)."""
        if not actions:
            raise ValueError(f"{fn.__qualname__}: name the actions (or use observe())")
        self.hooks.append(HookSpec(fn, frozenset(str(a) for a in actions),
                                   frozenset(str(s) for s in statuses) if statuses is not None else None,
                                   self.package))

    def observe(self, fn: Callable[..., None]) -> None:
        """Run ``fn`` after every action, before the action's own hooks (webhooks, indexes)."""
        self.hooks.append(HookSpec(fn, None, None, self.package))

    def handler(self, action: Any, fn: Callable[..., Any]) -> None:
        """The side data of one action; one handler per action, a second one is an error."""
        key = str(action)
        if key in self.handlers:
            fn0, pkg = self.handlers[key]
            raise RuntimeError(f"a handler for {key} is already registered by {pkg}: "
                               f"{fn0.__module__}.{fn0.__qualname__}")
        self.handlers[key] = (fn, self.package)

    def guard(self, fn: Callable[..., None], *actions: Any) -> None:
        """Check an action's payload before it moves the order: ``fn(db, order, actor, payload, now)``."""
        self.guards.append((frozenset(str(a) for a in actions), fn, self.package))

    def blocker(self, fn: Callable[..., Any]) -> None:
        """Say which actions would orphan this package's pending work on an order."""
        if any(f is fn for f, _ in self.blockers):
            raise RuntimeError(f"blocker source registered twice: {fn.__qualname__}")
        self.blockers.append((fn, self.package))

    # ------------------------------------------------------------ notices, console, jobs

    def sender(self, channel: str, sender: Any) -> None:
        if channel in self.senders:
            raise RuntimeError(f"a sender for channel {channel!r} is already registered")
        self.senders[channel] = sender

    def nav_item(self, label: str, href: str, *, roles: Iterable[str], order: int = 50) -> None:
        if any(n.href == href for n in self.nav):
            raise RuntimeError(f"nav item {href} registered twice")
        self.nav.append(NavItem(label, href, frozenset(str(r) for r in roles), order, self.package))
        self.nav.sort(key=lambda n: n.order)

    def suggestion(self, fn: Callable[..., Any], *, order: int) -> None:
        """An intake-assistant section; lower ``order`` shows first."""
        self.suggestions.append((order, fn, self.package))
        self.suggestions.sort(key=lambda s: s[0])

    def sweep_step(self, fn: Callable[..., None]) -> None:
        """A step of the deadline sweep after its own kinds: ``fn(db, now=, limit=, stats=)``."""
        self.sweep_steps.append((fn, self.package))

    def worker_task(self, name: str, fn: Callable[..., Any], *, phase: str) -> None:
        """A task of each worker pass; phases run sweep → maintain → deliver (``background``: its own lane)."""
        if phase not in WORKER_PHASES:
            raise ValueError(f"unknown worker phase {phase!r}")
        self.worker_tasks.append((phase, name, fn, self.package))
        self.worker_tasks.sort(key=lambda t: WORKER_PHASES.index(t[0]))

    def extend(self, point: str, fn: Callable[..., Any]) -> None:
        """Add ``fn`` to a named extension point that an earlier package owns and documents
        (e.g. ``callbacks.skip_reason``), so the owner asks later packages without importing them."""
        self.extensions.setdefault(point, []).append((fn, self.package))

    def extensions_of(self, point: str) -> list[Callable[..., Any]]:
        return [fn for fn, _pkg in self.extensions.get(point, [])]

    def api(self, router: APIRouter) -> None:
        self.api_routers.append((router, self.package))

    def pages(self, router: APIRouter) -> None:
        self.page_routers.append((router, self.package))

    def command(self, name: str, app: typer.Typer) -> None:
        """``hotline <name> …``."""
        if any(n == name for n, _, _ in self.commands):
            raise RuntimeError(f"command {name!r} registered twice")
        self.commands.append((name, app, self.package))


#: ``background`` tasks (hours of work, e.g. the hot matters' re-grouping) run in the worker's own
#: background lane (a thread beside the passes, docs/worker.md): they never delay a pass's deliveries
WORKER_PHASES = ("sweep", "maintain", "deliver", "background")

_REGISTRY: Registry | None = None


def import_models() -> None:
    """Every package's models, in the declared order (Alembic and ``hotline.models`` need only this)."""
    for pkg in INSTALL_ORDER:
        if importlib.util.find_spec(f"hotline.{pkg}.models") is not None:
            importlib.import_module(f"hotline.{pkg}.models")


def build(order: Iterable[str] = INSTALL_ORDER) -> Registry:
    """A fresh registry with ``order``'s packages installed (tests build partial ones)."""
    import_models()
    r = Registry()
    for pkg in order:
        mod = importlib.import_module(f"hotline.{pkg}.plugin")
        r.package = pkg
        mod.install(r)
        r.installed.append(pkg)
    r.package = ""
    return r


def install() -> Registry:
    """Install every package once per process, in ``INSTALL_ORDER``; returns the registry."""
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = build()
    return _REGISTRY


def get() -> Registry:
    """The installed registry (installing it on first use, so a script cannot run half-wired)."""
    return _REGISTRY if _REGISTRY is not None else install()
