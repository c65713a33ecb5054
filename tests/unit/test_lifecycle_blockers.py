"""Pending work handed to the state machine as blockers: the button goes and the move is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hotline.errors import Conflict
from hotline.orders.enums import Action, Status
from hotline.orders.lifecycle import Blocker, allowed_actions, transition
from tests.unit.test_lifecycle import FakeOrder

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
REVIEW = Blocker(frozenset({Action.close}), "回访结果正待中心审核", "the callback awaits the centre's review")


def test_a_blocked_action_is_not_offered_and_is_refused() -> None:
    o = FakeOrder(status=Status.completed.value)
    assert Action.close in allowed_actions(o, "callback_agent")
    assert Action.close not in allowed_actions(o, "callback_agent", (REVIEW,))
    assert Action.reopen in allowed_actions(o, "dispatcher", (REVIEW,))  # a decision stays possible
    with pytest.raises(Conflict) as exc:
        transition(o, Action.close, "callback_agent", now=NOW, blockers=(REVIEW,))
    assert exc.value.code == "guard_failed" and exc.value.zh == REVIEW.zh and exc.value.en == REVIEW.en
    assert o.status == Status.completed.value and o.closed_at is None  # nothing moved


def test_co_handling_actions_keep_the_status() -> None:
    for status in (Status.dispatched, Status.in_progress, Status.suspended):
        o = FakeOrder(status=status.value)
        for action in (Action.add_co_unit, Action.remove_co_unit):
            assert action in allowed_actions(o, "dispatcher")
            assert transition(o, action, "dispatcher", now=NOW).to_status == status
    o = FakeOrder(status=Status.replied.value)
    assert Action.add_co_unit not in allowed_actions(o, "dispatcher")
    assert Action.add_co_unit not in allowed_actions(FakeOrder(status=Status.in_progress.value), "unit_handler")
