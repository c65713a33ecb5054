"""The demo's live hot matters (issue #16): a cluster of callers about one matter, street lights out in
several communities (a systemic problem), and one re-grouping so /hotspots has something to show.

Why seeded on purpose: the random demands form groups by chance (their templates repeat), so without
these the demo would not be sure to show a matter of several callers or one demand in many places."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.schema import CityFile
from hotline.orders.actor import Actor
from hotline.orders.flows import do_create_order
from hotline.org.models import Category, Unit, User

CLUSTERS = 2  # hot matters seeded (each 4–6 callers)
LAMP_PLACES = 7  # communities with dark street lights (≥ refresh.SYSTEMIC_MIN_PLACES)


def seed_hotspots(db: Session, city: CityFile, *, now: datetime, seed: int = 16) -> dict[str, Any]:
    from hotline.demo.texts import generate_demands, generate_duplicate_cluster, leaf_codes_with_templates
    from hotline.hotspots.refresh import refresh

    rng = random.Random(seed)
    user = db.scalar(select(User).where(User.role == "operator").order_by(User.id).limit(1))
    if user is None:
        return {}
    op = Actor.of(user)
    made = 0

    def add(title: str, content: str, **data: Any) -> None:
        nonlocal made
        do_create_order(db, actor=op, now=now - timedelta(days=rng.uniform(0.2, 12)),
                        data={"kind": "complaint", "title": title, "content": content, **data})
        made += 1

    codes = leaf_codes_with_templates()
    bases = [d for d in generate_demands(city, 40, seed=seed) if d.category_code in codes and d.territory_code]
    for k, base in enumerate(bases[:CLUSTERS]):
        for d in [base, *generate_duplicate_cluster(city, base, 3 + 2 * k, seed=seed + k)]:
            add(d.title, d.content, category_code=d.category_code, citizen_name=d.citizen_name,
                citizen_phone=d.phone, address=d.address, territory_code=d.territory_code)
    lamp = db.scalar(select(Category.code).where(Category.name == "路灯").limit(1))
    communities = list(db.scalars(select(Unit).where(Unit.type == "community").order_by(Unit.code)))
    rng.shuffle(communities)
    for k, u in enumerate(communities[:LAMP_PLACES] if lamp else []):
        place = u.short_name or u.name  # as callers say it (桃源社区, not 新华街道桃源社区居民委员会)
        add(f"{place}路灯不亮", f"{place}{rng.choice(['主干道', '小区门口', '公交站旁', '河边步道'])}的路灯"
            f"{rng.choice(['已经坏了好几天', '一到晚上就不亮', '闪了一周后彻底灭了'])}，晚上出行很不安全，请尽快修复路灯。",
            category_code=lamp, territory_code=u.code, citizen_name=f"市民{k}",
            citizen_phone=f"1380731{k:04d}", address=f"{city.city.name}{place}")
    db.flush()
    out = refresh(db, now=now)
    # one more caller about the first matter after the re-grouping: it joins the matter at intake
    # (hotline.hotspots.intake), so its history shows a 新增工单 without waiting for the next pass
    late = 0
    if bases:
        for d in generate_duplicate_cluster(city, bases[0], 1, seed=seed + 99):
            add(d.title, d.content, category_code=d.category_code, citizen_name=d.citizen_name,
                citizen_phone=d.phone, address=d.address, territory_code=d.territory_code)
            late += 1
    return {"hotspot_orders": made, "hot_matters": out["hot_matters"], "systemic_problems": out["systemic"],
            "late_calls": late}
