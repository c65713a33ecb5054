"""The demo shows push-downs and objections with every outcome, seeded through the real flows."""

from __future__ import annotations

from sqlalchemy import select

from hotline.appeals.models import UnitRequest
from hotline.db import utcnow
from hotline.pushdown.models import Pushdown


def test_demo_seeds_push_downs_and_objections(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    from hotline.city.service import current_city
    from hotline.demo.rules import seed_rules
    from hotline.demo.seed import ensure_unit_accounts, seed_orders
    from tests.conftest import login

    ensure_unit_accounts(db)
    seed_orders(db, current_city(), n=40, seed=5)  # every dispatch passes the push-down guard
    made = seed_rules(db, now=utcnow())
    assert made == {"pushdowns": 3, "objections": 4}
    states = sorted(p.state for p in db.scalars(select(Pushdown).where(Pushdown.reason.like("%街道%"))))
    assert {"accepted", "rejected", "pending"} <= set(states)
    objs = list(db.scalars(select(UnitRequest).where(UnitRequest.kind == "objection")))
    assert sorted(o.state for o in objs) == ["accepted", "pending", "pending", "rejected"]
    assert any(o.state == "pending" and o.decide_by and o.decide_by < utcnow() for o in objs)  # one overdue
    sustained = next(o for o in objs if o.state == "accepted")
    assert sustained.change_state == "proposed" and sustained.order.lead_unit.code == "dept-chengguan"
    login(client, "supervisor", db=db)
    board = client.get("/supervision").text
    assert "审核超期" in board and "下沉派单（按派单员）" in board
