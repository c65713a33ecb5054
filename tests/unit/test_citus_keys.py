"""Keys ready for Citus: every city-owned key carries city_id (docs/scale.md, "Mapping to Citus").

Walks ``Base.metadata``: a table added without the ``CityOwned`` mixin, a primary key, unique or
foreign key between city-owned tables without ``city_id``, or a script that no longer matches the
tables fails here.  A new model gets all of it from the mixin (``class Thing(CityOwned, Base)``).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from sqlalchemy import Index, UniqueConstraint, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import configure_mappers
from sqlalchemy.schema import CreateTable

import hotline.models  # noqa: F401
from hotline.city.citus import PROVINCE_UNIQUES, distribute_sql
from hotline.city.tenancy import REFERENCE_TABLES, CityOwned
from hotline.db import Base

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "citus_distribute.sql"
OWNED = [t for t in Base.metadata.sorted_tables if t.name not in REFERENCE_TABLES]


def test_cities_is_the_only_reference_table() -> None:
    assert REFERENCE_TABLES == {"cities"}
    assert {t.name for t in Base.metadata.tables.values() if "city_id" not in t.c} == {"cities"}
    assert len(OWNED) >= 39


#: columns naming another city on purpose (转办's receiving city): a key to the reference table, never to its rows
CROSS_CITY = {"transfers": ("to_city_id",)}


@pytest.mark.parametrize("table", OWNED, ids=lambda t: t.name)
def test_city_id_leads_every_key(table) -> None:  # type: ignore[no-untyped-def]
    assert [c.name for c in table.primary_key.columns][0] == "city_id", table.name
    assert len(table.primary_key.columns) >= 2, table.name
    for fk in table.foreign_key_constraints:
        parent = fk.referred_table.name
        pairs = [(e.parent.name, e.column.name) for e in fk.elements]
        if parent in REFERENCE_TABLES:  # a distributed table may point at a reference table from any column
            assert len(pairs) == 1 and pairs[0][1] == "id", (table.name, fk.name)
            assert pairs[0][0] in {"city_id", *CROSS_CITY.get(table.name, ())}, (table.name, fk.name)
        else:  # (city_id, x_id) → parent (city_id, id): a row points only at its own city's rows
            assert pairs[0] == ("city_id", "city_id") and len(pairs) == 2, (table.name, fk.name, pairs)
            assert {c.name for c in fk.referred_table.primary_key.columns} == {"city_id", pairs[1][1]}
            assert (fk.ondelete or "").upper() != "SET NULL", (table.name, fk.name)
    uniques = [c for c in table.constraints if isinstance(c, UniqueConstraint)]
    uniques += [i for i in table.indexes if isinstance(i, Index) and i.unique]
    for uq in uniques:
        if uq.name in PROVINCE_UNIQUES:
            continue
        assert "city_id" in {c.name for c in uq.columns}, (table.name, uq.name)


def test_the_orm_keeps_addressing_rows_without_the_city() -> None:
    for mapper in Base.registry.mappers:
        if issubclass(mapper.class_, CityOwned):
            names = [c.name for c in mapper.primary_key]
            assert "city_id" not in names, (mapper.class_.__name__, names)


def test_relationships_over_composite_keys_configure_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        configure_mappers()
    from hotline.orders.models import Assignment, Order

    # the join carries the city on both sides, and only the id is written by the relationship
    join = inspect(Assignment).relationships["order"]
    assert {c.name for c in join.local_columns} == {"city_id", "order_id"}
    assert [(a.name, b.name) for a, b in join.synchronize_pairs] == [("id", "order_id")]
    assert {c.name for c in inspect(Order).relationships["events"].remote_side} == {"city_id", "order_id"}


def test_only_the_reviewed_uniques_ignore_the_city() -> None:
    found = {uq.name for t in Base.metadata.tables.values() for uq in t.constraints
             if isinstance(uq, UniqueConstraint) and "city_id" not in {c.name for c in uq.columns}
             and t.name not in REFERENCE_TABLES}
    assert found == set(PROVINCE_UNIQUES)


def test_sqlite_keeps_rowid_ids_and_postgres_gets_the_composite_key() -> None:
    orders = Base.metadata.tables["orders"]
    lite = str(CreateTable(orders).compile(dialect=sqlite.dialect()))
    assert "id INTEGER NOT NULL" in lite and "PRIMARY KEY (id), UNIQUE (city_id, id)" in lite
    assert "FOREIGN KEY(city_id, lead_unit_id) REFERENCES units (city_id, id)" in lite
    pg = str(CreateTable(orders).compile(dialect=postgresql.dialect()))
    assert "id SERIAL NOT NULL" in pg and "PRIMARY KEY (city_id, id)" in pg
    # a natural composite key is the same on both
    docs = Base.metadata.tables["dup_docs"]
    assert "PRIMARY KEY (city_id, order_id)" in str(CreateTable(docs).compile(dialect=sqlite.dialect()))


def test_the_citus_script_is_the_one_the_models_give() -> None:
    sql = distribute_sql(Base.metadata)
    assert SCRIPT.read_text(encoding="utf-8") == sql, \
        "regenerate: python -m hotline.city.citus > scripts/citus_distribute.sql"
    distributed = [line.split("'")[1] for line in sql.splitlines() if line.startswith("SELECT create_distributed")]
    assert sorted(distributed) == sorted(t.name for t in OWNED)
    assert "SELECT create_reference_table('cities');" in sql
    # parents are distributed before the tables whose keys point at them
    pos = {name: i for i, name in enumerate(distributed)}
    for t in OWNED:
        for fk in t.foreign_key_constraints:
            if fk.referred_table.name not in REFERENCE_TABLES and fk.referred_table is not t:
                assert pos[fk.referred_table.name] < pos[t.name], (t.name, fk.referred_table.name)
