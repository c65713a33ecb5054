"""The demo's missed calls and enterprise demands (issue #19) come out of the real rules."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.service import current_city
from hotline.db import utcnow
from hotline.demo.desk import ENTERPRISES, MISSED, seed_enterprise, seed_missed_calls, seed_repeats
from hotline.orders import uscc
from hotline.orders.models import Order
from hotline.outbox.models import OutboxMessage
from hotline.telephony.models import MissedCall


def test_demo_missed_calls_and_enterprise_demands(db: Session) -> None:
    now = utcnow()
    seed_missed_calls(db, now=now)
    states = Counter(t.state for t in db.scalars(select(MissedCall)))
    assert states == {"pending": 5, "reached": 2, "returned": 2, "unreachable": 1}
    assert len(MISSED) == 10
    overdue = [t for t in db.scalars(select(MissedCall).where(MissedCall.state == "pending")) if t.due_at < now]
    assert len(overdue) >= 2
    assert seed_enterprise(db, current_city(), now=now) == len(ENTERPRISES)
    firms = list(db.scalars(select(Order).where(Order.requester_type == "enterprise")))
    assert len(firms) == 6 and all(o.enterprise_uscc and uscc.problem(o.enterprise_uscc) is None for o in firms)
    assert Counter(o.status for o in firms) == {"received": 2, "dispatched": 3, "completed": 1}
    assert {o.sla_policy for o in firms if o.status != "received"} == {"enterprise"}


@pytest.mark.repeats_merged
def test_demo_repeat_calls_are_merged_and_raise_the_urgency(db: Session) -> None:
    seed_repeats(db, current_city(), now=utcnow())
    orders = list(db.scalars(select(Order).where(Order.citizen_phone == "13907319001").order_by(Order.id)))
    assert [o.status for o in orders] == ["dispatched", "merged", "merged", "merged"]
    assert orders[0].urgency == "urgent" and {o.parent_id for o in orders[1:]} == {orders[0].id}
    topics = [m.topic for m in db.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "13907319001",
                                                                      OutboxMessage.channel == "sms").order_by(OutboxMessage.id))]
    assert topics == ["order.received"] + ["order.repeat_attached"] * 3
