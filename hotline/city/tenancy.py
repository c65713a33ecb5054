"""One provincial platform, many cities: the one mechanism that keeps each city's rows to itself.

- Every city-owned table has ``city_id`` through the ``CityOwned`` mixin.
- The *acting city* lives in one place: the context variable behind ``current_scope()``.
  The auth dependency sets it from the user's (or token's) city; the worker and the CLI set
  it per city with ``acting_as``.  Where nobody set it (a public page, a job of a
  single-city deployment) the acting city is the *home* city: the one whose city file the
  settings name.
- ``do_orm_execute`` adds ``city_id = acting`` to every ORM SELECT, UPDATE and DELETE on a
  city-owned class (joins, subqueries and eager loads included), so queries do not each
  remember to filter.  ``execution_options(all_cities=True)`` opts one statement out (the
  login lookups, which run before anyone knows the city).
- New rows get the acting city (a column default, so Core ``insert()`` is stamped too) and
  ``before_flush`` refuses to write a row of another city.
- Provincial roles act with the read-only scope ``ALL``: no filter, and any write is 403.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    PrimaryKeyConstraint,
    Table,
    event,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)
from sqlalchemy.schema import CreateColumn

from hotline.errors import Forbidden

if TYPE_CHECKING:
    from hotline.city.models import City
    from hotline.org.models import User

PROVINCE_ROLES = {"province_leader", "province_supervisor", "province_admin"}


@dataclass(frozen=True)
class CityScope:
    """Who the work is for: one city (``id``), or every city read-only (``id is None``)."""

    id: int | None
    code: str
    name: str
    timezone: str = "Asia/Shanghai"
    file: str | None = None
    order_number_prefix: str = ""

    @property
    def all_cities(self) -> bool:
        return self.id is None


ALL = CityScope(None, "*", "全省")
_scope: ContextVar[CityScope | None] = ContextVar("hotline_city_scope", default=None)
_home: dict[str, CityScope] = {}


def scope_of(city: City) -> CityScope:
    return CityScope(city.id, city.code, city.name, city.timezone, city.file, city.order_number_prefix or "")


def explicit_scope() -> CityScope | None:
    """The scope somebody set for this request or job, or None (then the home city acts)."""
    return _scope.get()


def current_scope() -> CityScope:
    return _scope.get() or home_scope()


def current_city_id() -> int:
    """The acting city's id; refused for the provincial read-only scope."""
    scope = current_scope()
    if scope.id is None:
        raise province_read_only()
    return scope.id


def province_read_only() -> Forbidden:
    return Forbidden("province_read_only", "省级账号只能查看各市数据，不能修改",
                     "provincial accounts read every city but change nothing")


def cross_city() -> Forbidden:
    return Forbidden("cross_city", "不能修改其他城市的数据", "that row belongs to another city")


def set_scope(scope: CityScope | None) -> Token[CityScope | None]:
    return _scope.set(scope)


def reset_scope(token: Token[CityScope | None]) -> None:
    _scope.reset(token)


@contextmanager
def acting_as(city: City | CityScope | None) -> Iterator[CityScope | None]:
    """Run a block for one city (``None``: back to the home city)."""
    scope = city if isinstance(city, CityScope) or city is None else scope_of(city)
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


def scope_for_user(user: User) -> CityScope:
    """Provincial people read every city; everyone else acts for their own city."""
    if user.role in PROVINCE_ROLES:
        return ALL
    return scope_of(user.city)


def scope_by_code(db: Session, code: str) -> CityScope | None:
    from hotline.city.models import City

    row = db.scalar(select(City).where(City.code == code, City.kind == "city"))
    return scope_of(row) if row is not None else None


def home_code() -> str:
    from hotline.city.loader import cached_city
    from hotline.config import get_settings

    return cached_city(get_settings().city_file).city.code


def home_scope() -> CityScope:
    """The deployment's own city (named by ``HOTLINE_CITY_FILE``), read once per database."""
    from hotline.city.models import City
    from hotline.db import READ_ONLY, get_engine

    engine = get_engine()
    key = engine.url.render_as_string(hide_password=True)
    if key not in _home:
        with engine.execution_options(**{READ_ONLY: True}).connect() as conn:
            row = conn.execute(select(City).where(City.code == home_code())).first()
            if row is None:  # a database made from another file: its first city
                row = conn.execute(select(City).where(City.kind == "city").order_by(City.id).limit(1)).first()
            conn.rollback()
        if row is None:
            raise RuntimeError("no city in this database; run `hotline db upgrade`")
        _home[key] = CityScope(row.id, row.code, row.name, row.timezone, row.file, row.order_number_prefix or "")
    return _home[key]


def forget_home() -> None:
    _home.clear()


def file_hash(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _stamp() -> int:
    return current_city_id()


REFERENCE_TABLES = frozenset({"cities"})
"""The province-wide tables (Citus reference tables); every other table is city-owned."""


class CityOwned:
    """Mixin: the row belongs to one city (``cities.id``), stamped with the acting city.

    The keys are the city's too, so the data can be distributed by ``city_id`` (Citus,
    docs/scale.md): the table is built by ``city_table`` below, which

    - puts ``city_id`` first in the primary key: ``(city_id, id)``, ``(city_id, order_id)`` …;
    - turns every ``ForeignKey("units.id")`` to another city-owned table into the composite
      ``(city_id, unit_id) → units (city_id, id)`` under the same constraint name, so a row can
      only point at a row of its own city (a ``ForeignKey`` to ``cities`` stays as it is);
    - and the ORM keeps addressing a row by its old key (``db.get(Order, id)``): the mixin's
      ``__mapper_args__`` names it.  A class with its own ``__mapper_args__`` adds
      ``"primary_key": orm_key(...)`` itself (``Order``).

    A relationship over such a key joins on both columns and marks only the id as foreign
    (``same_city``), so the several keys sharing ``city_id`` do not fight over it.
    """

    @declared_attr
    def city_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(ForeignKey("cities.id"), index=True, default=_stamp)

    @classmethod
    def __table_cls__(cls, name: str, metadata: Any, *args: Any, **kw: Any) -> Table:
        return city_table(name, metadata, *args, **kw)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805
        return {"primary_key": orm_key(cls.__table__)}  # type: ignore[attr-defined]


def orm_key(table: Table) -> list[Column[Any]]:
    """The key the ORM addresses a city-owned row by: the primary key without ``city_id``."""
    return [c for c in table.primary_key.columns if c.name != "city_id"]


def _target_table(fk: ForeignKey) -> str:
    spec = fk._get_colspec()  # "units.id"
    return spec.rsplit(".", 1)[0]


def city_table(name: str, metadata: Any, *args: Any, **kw: Any) -> Table:
    """A city-owned ``Table``: ``city_id`` leads the primary key and every key to another city's table."""
    columns = [a for a in args if isinstance(a, Column)]
    extra: list[Any] = []
    for col in columns:
        for fk in list(col.foreign_keys):
            target = _target_table(fk)
            if target in REFERENCE_TABLES:
                continue
            if fk.ondelete and fk.ondelete.upper() == "SET NULL":
                raise ValueError(f"{name}.{col.name}: ON DELETE SET NULL would clear city_id too; "
                                 "clear the reference in the flow that deletes the parent")
            # the single-column key is replaced by the composite one, under the same name
            col.foreign_keys.discard(fk)
            event.remove(col, "after_parent_attach", fk._set_table)
            refcol = fk._get_colspec().rsplit(".", 1)[1]
            extra.append(ForeignKeyConstraint(
                ["city_id", col.name], [f"{target}.city_id", f"{target}.{refcol}"],
                name=fk.name or f"fk_{name}_{col.name}_{target}", ondelete=fk.ondelete, onupdate=fk.onupdate))
    explicit_pk = [a for a in args if isinstance(a, PrimaryKeyConstraint)]
    if not explicit_pk:
        key = [c for c in columns if c.primary_key]
        if key and "city_id" not in {c.name for c in key}:
            city = next(c for c in columns if c.name == "city_id")
            city.primary_key = True
            if len(key) == 1 and isinstance(key[0].type, Integer) and not key[0].foreign_keys:
                key[0].autoincrement = True  # the id still comes from the table's sequence / rowid
            extra.append(PrimaryKeyConstraint("city_id", *(c.name for c in key), name=f"pk_{name}"))
    return Table(name, metadata, *args, *extra, **kw)


def same_city(parent: str, child: str, column: str, key: str = "id") -> str:
    """The join of a relationship over ``(city_id, child.column) → parent (city_id, key)``.

    Only ``column`` is foreign: the relationship never writes ``city_id`` (the stamp does), so
    the several keys of a table that share ``city_id`` do not overlap.  For either direction
    (``Order.events`` and ``OrderEvent.order`` use the same expression).
    """
    return f"and_({parent}.{key} == foreign({child}.{column}), {parent}.city_id == {child}.city_id)"


@compiles(PrimaryKeyConstraint, "sqlite")
def _sqlite_rowid_key(constraint: PrimaryKeyConstraint, compiler: Any, **kw: Any) -> str:
    """On SQLite ``(city_id, id)`` is written ``PRIMARY KEY (id), UNIQUE (city_id, id)``.

    A composite primary key would end SQLite's rowid ids (``id`` an alias of the rowid is what
    hands out new ids there); the unique pair is what the composite foreign keys reference, which
    SQLite allows.  PostgreSQL gets the real composite key (docs/decisions.md).
    """
    if constraint.table is not None and _rowid_key(constraint.table):
        name = f"CONSTRAINT {compiler.preparer.format_constraint(constraint)} " if constraint.name else ""
        return f"{name}PRIMARY KEY (id), UNIQUE (city_id, id)"
    return compiler.visit_primary_key_constraint(constraint, **kw)  # type: ignore[no-any-return]


def _rowid_key(table: Any) -> bool:
    cols = [c.name for c in table.primary_key.columns]
    return cols == ["city_id", "id"] and isinstance(table.c.id.type, Integer)


@compiles(CreateColumn, "sqlite")
def _sqlite_rowid_column(create: CreateColumn[Any], compiler: Any, **kw: Any) -> str:
    """``id`` of such a table: a plain ``INTEGER NOT NULL``, the rowid alias (the key says why)."""
    column = create.element
    if column.name == "id" and column.table is not None and _rowid_key(column.table):
        return f"{compiler.preparer.format_column(column)} INTEGER NOT NULL"
    return compiler.visit_create_column(create, **kw)  # type: ignore[no-any-return]


@event.listens_for(Session, "do_orm_execute")
def _scope_statement(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return  # reached from a row that was itself scoped
    if state.execution_options.get("all_cities", False):
        return
    scope = current_scope()
    if scope.id is None:
        return  # provincial read: every city
    cid = scope.id
    state.statement = state.statement.options(
        with_loader_criteria(CityOwned, lambda cls: cls.city_id == cid, include_aliases=True))


@event.listens_for(Session, "before_flush")
def _stamp_rows(session: Session, _ctx: Any, _instances: Any) -> None:
    new = [o for o in session.new if isinstance(o, CityOwned)]
    changed = [o for o in (*session.dirty, *session.deleted)
               if isinstance(o, CityOwned) and (o in session.deleted or session.is_modified(o))]
    if not new and not changed:
        return
    explicit = _scope.get()
    scope = explicit or home_scope()
    if scope.id is None:
        raise province_read_only()
    for obj in new:
        if obj.city_id is None:  # type: ignore[attr-defined]
            obj.city_id = scope.id  # type: ignore[attr-defined]
        elif explicit is not None and obj.city_id != scope.id:  # type: ignore[attr-defined]
            raise cross_city()
    if explicit is not None:
        for obj in changed:
            if obj.city_id != scope.id:  # type: ignore[attr-defined]
                raise cross_city()


def for_each_city(job: Any) -> list[Any]:
    """Run ``job()`` once per city, acting as that city (the worker's pass, a CLI command)."""
    from hotline.city.models import City
    from hotline.db import read_session_factory

    with read_session_factory()() as db:  # a read: never waits for a writer
        scopes = [scope_of(c) for c in db.scalars(select(City).where(City.kind == "city").order_by(City.id))]
        db.rollback()
    out = []
    for scope in scopes:
        with acting_as(scope):
            out.append(job())
    return out
