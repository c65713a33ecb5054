"""The demo shows the extension rule: extended orders, some replied within the extension but after
their first deadline — on time with 批准延期不计超时 on, late with it off (seeded through the real flows)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.kpi.models import AssignmentLimit
from hotline.orders.models import Assignment


def test_the_demo_has_extended_orders_replied_after_their_first_deadline(db: Session) -> None:
    from hotline.city.service import current_city
    from hotline.demo.seed import ensure_unit_accounts, seed_orders

    ensure_unit_accounts(db)
    seed_orders(db, current_city(), n=300, seed=5)
    rows = db.execute(select(AssignmentLimit, Assignment).join(Assignment, Assignment.id == AssignmentLimit.assignment_id)
                      .where(AssignmentLimit.due_at > AssignmentLimit.first_due_at)).all()
    assert rows, "the demo has approved extensions"
    within = [a for lim, a in rows if a.replied_at is not None and lim.first_due_at < a.replied_at <= lim.due_at]
    assert within, "and some replied within the extension, after the first deadline"
