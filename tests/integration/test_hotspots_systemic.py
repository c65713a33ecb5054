"""Systemic problems by their demand words across categories (issue #16): street lights out in six
communities, filed under two different categories, are one systemic problem — each category alone has
three places, under the five a systemic problem needs — and it keeps its identity across refreshes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.org.models import Category, Unit
from tests.integration.helpers import create
from tests.integration.test_cities import _client, _token
from tests.integration.test_hotspots_entities import _matter_of, _refresh


def test_one_demand_filed_under_two_categories_is_one_systemic_problem(db: Session) -> None:
    other = db.scalar(select(Category.code).where(Category.code == "020101"))
    assert other is not None
    communities = list(db.scalars(select(Unit).where(Unit.type == "community").order_by(Unit.code).limit(6)))
    assert len(communities) == 6
    with _client(db) as client:
        op = _token(db, "operator1")
        numbers = [create(client, op, title=f"{u.name}路灯不亮", category_code="010101" if k < 3 else other,
                          territory_code=u.code, citizen_name=f"居民{k}", citizen_phone=f"1376666{k:04d}",
                          content=f"{u.name}的路灯坏了好几天，晚上一片漆黑，出行不便，请尽快修复路灯。",
                          address=f"青阳市{u.name}")["number"] for k, u in enumerate(communities)]
    _refresh(db)
    s = _matter_of(db, numbers[0], kind="systemic")
    assert s is not None and len(s.places) == 6 and "路灯" in s.name  # one problem, not none (3 + 3 places)
    assert all(_matter_of(db, n, kind="systemic") is s for n in numbers)
    assert s.key is not None and s.key.startswith("010101:")  # the main category (a tie: the first code)
    ident = s.id
    _refresh(db)
    again = _matter_of(db, numbers[-1], kind="systemic")
    assert again is not None and again.id == ident


def test_a_systemic_problem_keeps_its_id_when_its_main_category_changes(db: Session) -> None:
    communities = list(db.scalars(select(Unit).where(Unit.type == "community").order_by(Unit.code).limit(8)))
    assert len(communities) == 8

    def lamp(client: object, k: int, u: Unit, code: str) -> str:
        return create(client, _token(db, "operator1"), title=f"{u.name}路灯不亮", category_code=code,  # type: ignore[arg-type]
                      territory_code=u.code, citizen_name=f"居民{k}", citizen_phone=f"1377777{k:04d}",
                      content=f"{u.name}的路灯坏了好几天，晚上一片漆黑，请尽快修复路灯。", address=f"青阳市{u.name}")["number"]

    with _client(db) as client:
        first = [lamp(client, k, u, "010101" if k < 4 else "020101") for k, u in enumerate(communities[:6])]
    _refresh(db)
    s = _matter_of(db, first[0], kind="systemic")
    assert s is not None and s.key is not None and s.key.startswith("010101:")
    ident, word = s.id, s.key.split(":", 1)[1]
    with _client(db) as client:  # three more under the other category: it now holds most of the orders
        [lamp(client, 10 + k, u, "020101") for k, u in enumerate(communities[5:8])]
    _refresh(db)
    again = _matter_of(db, first[0], kind="systemic")
    assert again is not None and again.id == ident and again.key == f"020101:{word}"
