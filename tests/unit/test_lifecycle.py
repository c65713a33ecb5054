"""The state machine alone: every legal (status, action) pair, and the illegal ones refused."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from hotline.city.schema import Role
from hotline.errors import Conflict, Forbidden
from hotline.orders.enums import Action, Status
from hotline.orders.lifecycle import CITIZEN, RULES, SYSTEM, allowed_actions, transition

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
ALL_ROLES = [r.value for r in Role] + [SYSTEM, CITIZEN]


@dataclass
class FakeOrder:
    status: str
    held_status: str | None = None
    pending_extension: bool = False
    via_subcentre: bool = False
    first_dispatched_at: datetime | None = None
    dispatched_at: datetime | None = None
    signed_at: datetime | None = None
    replied_at: datetime | None = None
    completed_at: datetime | None = None
    closed_at: datetime | None = None
    suspended_at: datetime | None = None
    first_contact_resolved: bool = False


def _ready(status: Status, action: Action) -> FakeOrder:
    o = FakeOrder(status=status.value)
    if action in (Action.approve_extension, Action.reject_extension):
        o.pending_extension = True
    return o


LEGAL = [(s, r.action, role) for r in RULES.values() for s in sorted(r.sources) for role in sorted(r.roles)]


@pytest.mark.parametrize(("status", "action", "role"), LEGAL, ids=lambda v: str(v))
def test_every_legal_move(status: Status, action: Action, role: str) -> None:
    order = _ready(status, action)
    t = transition(order, action, role, now=NOW)
    rule = RULES[action]
    assert t.from_status == status
    assert order.status == t.to_status.value
    assert t.to_status in (rule.targets or (status,))
    for stamp in rule.stamps:
        assert getattr(order, stamp) is not None


ILLEGAL_STATUS = [(s, a) for s, a in itertools.product(Status, RULES) if s not in RULES[a].sources]


@pytest.mark.parametrize(("status", "action"), random.Random(7).sample(ILLEGAL_STATUS, 60), ids=str)
def test_illegal_status_refused_and_untouched(status: Status, action: Action) -> None:
    role = sorted(RULES[action].roles)[0]
    order = _ready(status, action)
    with pytest.raises(Conflict) as exc:
        transition(order, action, role, now=NOW)
    assert order.status == status.value
    assert exc.value.code == "illegal_transition"
    assert "不能执行" in exc.value.zh and "cannot" in exc.value.en


def test_every_terminal_status_allows_only_comment() -> None:
    for status in (Status.closed, Status.handed_off, Status.informed, Status.withdrawn, Status.merged):
        allowed = {a for role in ALL_ROLES for a in allowed_actions(FakeOrder(status=status.value), role)}
        extra = {Action.unmerge} if status == Status.merged else set()  # 撤销并单 restores a merged order
        assert allowed <= {Action.comment, Action.reopen} | extra, status
    assert Action.reopen in allowed_actions(FakeOrder(status="closed"), Role.supervisor)


@pytest.mark.parametrize("action", list(RULES))
def test_wrong_role_refused(action: Action) -> None:
    rule = RULES[action]
    outsiders = [r for r in ALL_ROLES if r not in rule.roles]
    status = sorted(rule.sources)[0]
    for role in outsiders:
        order = _ready(status, action)
        with pytest.raises(Forbidden):
            transition(order, action, role, now=NOW)
        assert order.status == status.value


def test_only_intake_roles_create() -> None:
    from hotline.orders.lifecycle import INTAKE_ROLES, initial_status

    assert initial_status(Role.operator) == Status.received
    for role in set(ALL_ROLES) - INTAKE_ROLES:
        with pytest.raises(Forbidden):
            initial_status(role)


def test_leader_is_read_only() -> None:
    for status in Status:
        assert allowed_actions(FakeOrder(status=status.value), Role.leader) == []


def test_return_goes_back_to_whoever_dispatched() -> None:
    o = FakeOrder(status="in_progress")
    transition(o, Action.request_return, Role.unit_handler, now=NOW)
    assert o.status == "return_requested" and o.held_status == "in_progress"
    transition(o, Action.reject_return, Role.dispatcher, now=NOW)
    assert o.status == "in_progress" and o.held_status is None

    o = FakeOrder(status="dispatched", via_subcentre=True)
    transition(o, Action.request_return, Role.unit_handler, now=NOW)
    transition(o, Action.approve_return, Role.dispatcher, now=NOW)
    assert o.status == "at_subcentre"

    o = FakeOrder(status="dispatched")
    transition(o, Action.request_return, Role.unit_handler, now=NOW)
    transition(o, Action.reject_return, Role.dispatcher, now=NOW)
    assert o.status == "dispatched"


def test_extension_guard() -> None:
    o = FakeOrder(status="in_progress", pending_extension=True)
    with pytest.raises(Conflict) as exc:
        transition(o, Action.request_extension, Role.unit_handler, now=NOW)
    assert exc.value.code == "guard_failed"
    o = FakeOrder(status="in_progress")
    with pytest.raises(Conflict):
        transition(o, Action.approve_extension, Role.dispatcher, now=NOW)


def test_first_dispatch_time_is_kept_across_redispatch() -> None:
    o = FakeOrder(status="received")
    transition(o, Action.dispatch, Role.dispatcher, now=NOW)
    later = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    transition(o, Action.redispatch, Role.dispatcher, now=later)
    assert o.first_dispatched_at == NOW and o.dispatched_at == later


def test_reopen_clears_later_milestones() -> None:
    o = FakeOrder(status="closed", signed_at=NOW, replied_at=NOW, completed_at=NOW, closed_at=NOW)
    transition(o, Action.reopen, Role.dispatcher, now=NOW)
    assert o.status == "dispatched"
    assert o.signed_at is o.replied_at is o.completed_at is o.closed_at is None


def test_naive_now_refused() -> None:
    with pytest.raises(ValueError):
        transition(FakeOrder(status="received"), Action.dispatch, Role.dispatcher,
                   now=datetime(2026, 1, 1))  # noqa: DTZ001


def test_docs_table_matches_rules() -> None:
    from pathlib import Path

    from hotline.orders.lifecycle import markdown_table

    doc = (Path(__file__).resolve().parents[2] / "docs" / "lifecycle.md").read_text(encoding="utf-8")
    assert markdown_table() in doc, "docs/lifecycle.md is out of date: run `hotline docs lifecycle`"
