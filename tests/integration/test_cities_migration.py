"""The cities migration moves a single-city database to the new shape without losing a row.

A scratch database is built at head and filled by the real demo flows (units, users, orders
in every state with their events, replies, callbacks, outbox, postings, counters ...), then
taken down to the previous head, the single-city schema, and up again.  Every row of every
table must come back unchanged, carrying the one city; the uniques are per city afterwards.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.migrate import alembic_config, upgrade
from tests.integration.helpers import scratch_database_url

PREVIOUS_HEAD = "replies_scores_flags"


def _scratch_url(tmp_path: Any) -> str:
    return scratch_database_url(tmp_path, "citymig")


def _snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows without city_id, in a stable order."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as c:
        for table in inspect(c).get_table_names():
            if table in ("alembic_version", "cities"):
                continue
            cols = [col["name"] for col in inspect(c).get_columns(table) if col["name"] != "city_id"]
            rows = c.execute(text(f"select {', '.join(cols)} from {table}")).all()
            out[table] = sorted((tuple(r) for r in rows), key=repr)
    return out


def test_single_city_database_upgrades_without_loss(tmp_path: Any) -> None:
    from alembic import command

    from hotline.city.models import City
    from hotline.city.service import current_city
    from hotline.city.tenancy import acting_as
    from hotline.demo.seed import ensure_unit_accounts, seed_orders
    from hotline.org.cities import sync_city

    url = _scratch_url(tmp_path)
    upgrade(url)
    engine = create_engine(url)
    with Session(engine) as db:
        city = db.query(City).one()
        with acting_as(city):
            sync_city(db, current_city())
            ensure_unit_accounts(db)
            seed_orders(db, current_city(), n=20, seed=7)
        db.commit()
    command.downgrade(alembic_config(url), PREVIOUS_HEAD)  # today's single-city schema, with its data
    engine.dispose()
    engine = create_engine(url)
    before = _snapshot(engine)
    assert "city_id" not in {c["name"] for c in inspect(engine).get_columns("orders")}
    filled = [t for t, rows in before.items() if rows]
    assert len(filled) >= 15 and before["orders"] and before["order_events"] and before["outbox"], filled

    engine.dispose()
    upgrade(url, "cities_tenancy")  # the migration under test (later heads may add tables of their own)
    engine = create_engine(url)
    after = _snapshot(engine)
    assert after == before  # nothing lost, nothing changed
    with engine.connect() as c:
        cities = c.execute(text("select id, code, file from cities")).all()
        assert [(code, file) for _id, code, file in cities] == [("qingyang", "demo/city.yaml")]
        cid = cities[0][0]
        for table in before:
            bad = c.execute(text(f"select count(*) from {table} where city_id is null or city_id <> :c"),
                            {"c": cid}).scalar()
            assert bad == 0, table
    # uniques are per city now: another city may reuse a unit code and an order number, one city may not
    with engine.begin() as c:
        other = c.execute(text("insert into cities (code, name, kind, timezone, order_number_prefix, created_at) "
                               "values ('other', '另一市', 'city', 'Asia/Shanghai', '', :t) returning id"),
                          {"t": "2026-12-01 00:00:00+00:00"}).scalar()
        c.execute(text("insert into units (city_id, code, name, type, duties, keywords, categories, active) "
                       "values (:c, 'centre', '另一市热线中心', 'centre', '', '[]', '[]', true)"), {"c": other})
    with pytest.raises(IntegrityError), engine.begin() as c:
        c.execute(text("insert into units (city_id, code, name, type, duties, keywords, categories, active) "
                       "values (:c, 'centre', '重复', 'centre', '', '[]', '[]', true)"), {"c": cid})
    engine.dispose()
