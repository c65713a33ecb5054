"""The demo's 每月一题 and 未诉先办 (issue #16 item 4): three years of history with seasons, one project in
progress with its owner unit's notes, proactive tasks; and the backtest beats the naive baseline on it."""

from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.loader import load_city
from hotline.db import utcnow
from hotline.demo.governance import seed_governance
from hotline.demo.hotspots import seed_hotspots
from hotline.governance import predict, service
from hotline.governance.models import GovernanceNote, GovernanceProject, ProactiveTask


def test_the_demo_shows_a_project_in_progress_and_proactive_tasks(db: Session) -> None:
    now = utcnow()
    seed_hotspots(db, load_city(None), now=now)
    t0 = time.perf_counter()
    counts = seed_governance(db, load_city(None), now=now)
    took = time.perf_counter() - t0
    db.flush()
    assert counts["history_orders"] > 2000 and took < 20, (counts, took)
    p = db.scalar(select(GovernanceProject))
    assert p is not None and service.state_of(p, now) == "active"
    assert len(db.scalars(select(GovernanceNote).where(GovernanceNote.project_id == p.id)).all()) == 2
    tasks = db.scalars(select(ProactiveTask)).all()
    assert {t.category_code for t in tasks} >= {"010104", "050101"}, [t.title for t in tasks]
    hist, _ = service.history_counts(db, until=now)
    bt = predict.backtest(hist, year=now.year - 1)
    print(bt)
    assert bt["seasonal"]["hit_rate"] >= 0.8
    assert bt["seasonal"]["false_predictions"] <= bt["naive"]["false_predictions"]


def test_the_demo_project_and_tasks_show_on_the_console(client, db: Session, as_user) -> None:  # type: ignore[no-untyped-def]
    """What a leader meets after ``hotline demo``: the month's project on /governance with its page and chart,
    the proactive tasks, and the owner unit told in its inbox."""
    from hotline.org.models import Unit, User
    from hotline.outbox.models import OutboxMessage

    now = utcnow()
    seed_hotspots(db, load_city(None), now=now)
    seed_governance(db, load_city(None), now=now)
    db.flush()
    p = db.scalar(select(GovernanceProject))
    assert p is not None
    leader = as_user("leader")
    page = client.get("/governance", headers=leader)
    assert page.status_code == 200
    current = page.text.split('id="gov-current"', 1)[1].split("</table>", 1)[0]
    assert f'href="/governance/{p.id}"' in current
    tasks = page.text.split('id="gov-tasks"', 1)[1].split("</table>", 1)[0]
    assert tasks.count("data-task=") == len(db.scalars(select(ProactiveTask)).all()) > 0
    detail = client.get(f"/governance/{p.id}", headers=leader)
    assert detail.status_code == 200 and 'id="c-gov-volume"' in detail.text
    assert "已制定整改方案" in detail.text  # the owner unit's notes
    owner = db.scalar(select(Unit).where(Unit.id == p.owner_unit_id))
    assert owner is not None
    told = db.scalar(select(OutboxMessage).where(OutboxMessage.topic == "governance.assigned"))
    assert told is not None and told.recipient == f"unit:{owner.code}"
    staff = db.scalar(select(User.username).where(User.unit_id == owner.id, User.active.is_(True)).limit(1))
    if staff is not None:
        assert client.get(f"/governance/{p.id}", headers=as_user(staff)).status_code == 200
