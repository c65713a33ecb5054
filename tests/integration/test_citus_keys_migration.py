"""The citus_keys migration gives every city-owned key its city without losing a row or a reference.

A scratch database is filled by the real demo flows for two cities (the home city and the demo
county: units, users, orders in every state with their events, replies, callbacks, outbox,
postings ...), taken down to ``cities_tenancy`` (today's schema: keys by ``id`` alone) and up
again.  Every row of every table must come back unchanged; every foreign key between city-owned
tables is composite afterwards and every reference still finds its parent in the same city; a row
pointing at another city's row is refused; new ids keep coming from the same counters.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import hotline.models  # noqa: F401
from hotline.city.tenancy import REFERENCE_TABLES
from hotline.db import Base, make_engine
from hotline.migrate import alembic_config, upgrade
from tests.integration.helpers import scratch_database_url


def _before_keys() -> str:
    """The revision just before citus_keys: the schema with keys by id alone (and every table before it)."""
    from alembic.script import ScriptDirectory

    from tests.conftest import DB_URL

    down = ScriptDirectory.from_config(alembic_config(DB_URL)).get_revision("citus_keys").down_revision
    assert isinstance(down, str)
    return down


TODAY = _before_keys()


def _scratch_url(tmp_path: Any) -> str:
    return scratch_database_url(tmp_path, "keysmig")


def _snapshot(engine: Engine, like: dict[str, list[str]] | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, every column, in a stable order; with ``like``, only those tables and columns
    (a later revision's new tables and columns are not part of what citus_keys must keep)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as c:
        for table in inspect(c).get_table_names():
            if table == "alembic_version" or (like is not None and table not in like):
                continue
            cols = sorted(col["name"] for col in inspect(c).get_columns(table)
                          if like is None or col["name"] in like[table])
            rows = c.execute(text(f"select {', '.join(cols)} from {table}")).all()
            out[table] = sorted((tuple(r) for r in rows), key=repr)
    return out


def _foreign_keys(engine: Engine) -> dict[tuple[str, str], tuple[list[str], str, list[str]]]:
    with engine.connect() as c:
        insp = inspect(c)
        return {(t, fk["name"]): (fk["constrained_columns"], fk["referred_table"], fk["referred_columns"])
                for t in insp.get_table_names() for fk in insp.get_foreign_keys(t)}


def _orphans(engine: Engine) -> dict[str, int]:
    """Rows whose (city_id, x_id) finds no parent of the same city, per foreign key of the models."""
    bad: dict[str, int] = {}
    with engine.connect() as c:
        present = set(inspect(c).get_table_names())  # the tables of citus_keys (later revisions add theirs)
        for table in Base.metadata.sorted_tables:
            if table.name not in present:
                continue
            for fk in table.foreign_key_constraints:
                if fk.referred_table.name in REFERENCE_TABLES:
                    continue
                pairs = [(e.parent.name, e.column.name) for e in fk.elements]
                col = pairs[-1][0]
                on = " and ".join(f"p.{r} = t.{x}" for x, r in pairs)
                n = c.execute(text(f"select count(*) from {table.name} t where t.{col} is not null and not exists "
                                   f"(select 1 from {fk.referred_table.name} p where {on})")).scalar()
                if n:
                    bad[f"{table.name}.{col}"] = n
    return bad


def test_todays_database_upgrades_to_city_keys_without_loss(tmp_path: Any) -> None:
    from alembic import command

    from hotline.city.models import City
    from hotline.city.service import current_city
    from hotline.city.tenancy import acting_as
    from hotline.demo.seed import ensure_unit_accounts, seed_orders, seed_province
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
        seed_province(db, orders=8)
        db.commit()
    engine.dispose()
    command.downgrade(alembic_config(url), TODAY)  # today's schema, keys by id alone, with the data
    engine = create_engine(url)
    before = _snapshot(engine)
    with engine.connect() as c:
        columns = {t: [col["name"] for col in inspect(c).get_columns(t)] for t in inspect(c).get_table_names()}
    old_fks = _foreign_keys(engine)
    assert old_fks[("order_events", "fk_order_events_order_id_orders")] == (["order_id"], "orders", ["id"])
    filled = [t for t, rows in before.items() if rows]
    assert len(filled) >= 15 and before["orders"] and before["order_events"] and before["outbox"], filled
    cities = {r[0] for r in engine.connect().execute(text("select distinct city_id from orders")).all()}
    assert len(cities) == 2  # two cities' orders in the one database
    engine.dispose()

    upgrade(url, "citus_keys")  # this revision alone (later ones add tables of their own)
    engine = create_engine(url)
    assert _snapshot(engine, columns) == before  # nothing lost, nothing changed
    new_fks = _foreign_keys(engine)
    assert {k for k in new_fks if k[0] in columns} == set(old_fks)  # the same constraints, under the same names ...
    for (table, name), (cols, parent, refs) in new_fks.items():  # ... composite between city tables
        if parent in REFERENCE_TABLES:
            assert refs == ["id"] and cols in (["city_id"], ["to_city_id"]), name  # 转办 names the receiving city
        else:
            assert cols[0] == "city_id" and refs[0] == "city_id" and len(cols) == 2, (table, name, cols, refs)
    engine.dispose()
    upgrade(url)  # and on to the head: the models' keys checked on every table
    engine = create_engine(url)
    assert _orphans(engine) == {}
    with engine.connect() as c:
        pk = inspect(c).get_pk_constraint("orders")["constrained_columns"]
        if engine.dialect.name == "postgresql":
            assert pk == ["city_id", "id"]
        else:  # the rowid stays the id; (city_id, id) is the unique the keys reference
            assert pk == ["id"]
            assert c.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        assert inspect(c).get_pk_constraint("dup_docs")["constrained_columns"] == ["city_id", "order_id"]
        home, county = sorted(cities)
        order = c.execute(text("select id from orders where city_id = :c order by id limit 1"), {"c": home}).scalar()
        last_event = c.execute(text("select max(id) from order_events")).scalar()
    engine.dispose()

    # the database itself now refuses a reference to another city's row; ids keep counting
    engine = make_engine(url)  # (SQLite: foreign keys on, as the application runs)
    row = {"o": order, "t": "2026-12-02 06:00:00+00:00"}
    insert = ("insert into order_events (city_id, order_id, at, actor_label, actor_role, action, data) "
              "values (:c, :o, :t, '测试', 'system', 'note', '{}') returning id")
    with pytest.raises(IntegrityError), engine.begin() as c:
        c.execute(text(insert), {**row, "c": county})
    with engine.begin() as c:
        new_id = c.execute(text(insert), {**row, "c": home}).scalar()
        assert new_id > last_event
        c.execute(text("delete from order_events where id = :i"), {"i": new_id})
    engine.dispose()

    command.downgrade(alembic_config(url), TODAY)  # and back: the keys by id alone, the same rows
    engine = create_engine(url)
    assert _snapshot(engine) == before
    assert _foreign_keys(engine) == old_fks
    engine.dispose()
