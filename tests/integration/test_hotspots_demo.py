"""The demo city shows live hot matters and a systemic problem after seeding (issue #16 item 6)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.loader import load_city
from hotline.db import utcnow
from hotline.demo.hotspots import LAMP_PLACES, seed_hotspots
from hotline.hotspots.models import HotMatter
from hotline.hotspots.service import member_ids


def test_the_demo_seeds_live_hot_matters_and_a_systemic_problem(db: Session) -> None:
    counts = seed_hotspots(db, load_city(None), now=utcnow())
    db.flush()
    assert counts["hot_matters"] >= 2 and counts["systemic_problems"] >= 1
    matters = db.scalars(select(HotMatter).where(HotMatter.kind == "place", HotMatter.active.is_(True))).all()
    assert sum(1 for m in matters if m.size >= 4) >= 2, [(m.name, m.size) for m in matters]
    lamps = db.scalars(select(HotMatter).where(HotMatter.kind == "systemic")).all()
    lamp = next((m for m in lamps if "路灯" in m.name and len(m.places) >= LAMP_PLACES), None)
    assert lamp is not None, [(m.name, m.places) for m in lamps]
    # the street lights are many places, not one hot place: no place matter holds half of them
    members = member_ids(db, lamp.id)
    assert all(len(member_ids(db, m.id) & members) < len(members) / 2 for m in matters)


def test_the_demos_late_caller_joins_a_hot_matter_at_intake(db: Session) -> None:
    from hotline.hotspots.models import HotMatterEvent

    counts = seed_hotspots(db, load_city(None), now=utcnow())
    db.flush()
    assert counts["late_calls"] == 1
    joins = [e for e in db.scalars(select(HotMatterEvent).where(HotMatterEvent.kind == "grew"))
             if e.data.get("at_intake")]
    assert len(joins) == 1 and joins[0].actor_label == "系统"
    m = db.get(HotMatter, joins[0].hot_matter_id)
    assert m is not None and m.active and m.size == len(member_ids(db, m.id))
