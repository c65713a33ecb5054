"""Monthly range partitions of the append-only tables, managed by pg_partman; closed years archived.

Why: after a couple of years the event tables hold hundreds of millions of rows; with monthly
partitions a month's audit or an order's recent timeline reads one partition's index, autovacuum
works on small tables, and a closed year leaves the hot tables by ``DETACH PARTITION`` (instant,
no ``DELETE``) while staying queryable in the ``archive`` schema and dumpable with ``pg_dump``.

What can be partitioned is decided by the catalogue, not by a list of hopes (``blockers``): a
partitioned table's primary key and every unique constraint must contain the partition key, and a
foreign key pointing *at* the table would have to name the key too.  The event tables pass (their
primary key ``(city_id, id)`` becomes ``(city_id, id, <time>)``; the ``id`` sequence stays unique
on its own).  ``orders`` and ``outbox`` do not (docs/scale.md says which constraints block them).

The models are unchanged: the ORM still maps ``(city_id, id)`` as the identity, reads and writes
the parent table, and PostgreSQL routes each row to its month (or to pg_partman's default
partition, which catches rows outside the months made so far).

Partition bounds are UTC months: every pg_partman call here runs with ``TimeZone=UTC`` so that the
conversion and the worker's maintenance compute the same boundaries whatever the server's setting.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

#: The tables that qualify (append-only, nothing points at them), each with its partition key:
#: the row's own timestamp, set by the server when the row is written (call events: when we
#: received the event, not the telephony system's clock, which may be anything).
CANDIDATES: dict[str, str] = {
    "order_events": "at",
    "audit_log": "at",
    "call_events": "received_at",
    "hot_matter_events": "at",
    "webhook_attempts": "at",
}
#: What ``hotline db partition`` converts unless told otherwise: the three that grow with every call
#: and every order.  hot_matter_events stays small; webhook_attempts lives only as long as its outbox
#: message (outbox retention deletes them with it, ON DELETE CASCADE), so partitioning buys little.
DEFAULT_TABLES: tuple[str, ...] = ("order_events", "audit_log", "call_events")
PREMAKE = 4  # months made ahead of the newest one (pg_partman's p_premake)
OLDEST_MONTHS = 120  # rows older than ten years go to the default partition, not one partition a month
LOCK_TIMEOUT = "30s"  # wait this long for the table's lock, then give up (a busy table: retry later)
ARCHIVE_SCHEMA = "archive"
SUFFIX_OLD = "_unpartitioned"


class PartitionError(Exception):
    """A refusal with the reason in Chinese and English (the CLI prints it and exits 2)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh}\n{en}")
        self.zh, self.en = zh, en


# ---------------------------------------------------------------- what the database has


def is_postgresql(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def partman_schema(conn: Connection) -> str | None:
    """The schema pg_partman is installed in, or None when the extension is not created."""
    if not is_postgresql(conn):
        return None
    return conn.scalar(text("select n.nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace "
                            "where e.extname = 'pg_partman'"))


def partman_available(conn: Connection) -> bool:
    """Whether the server has the pg_partman package (``postgresql-15-partman``) to create it from."""
    return is_postgresql(conn) and bool(conn.scalar(text(
        "select 1 from pg_available_extensions where name = 'pg_partman'")))


def ensure_partman(conn: Connection) -> str:
    """Create the extension in schema ``partman`` if it is not there (needs a superuser, once)."""
    schema = partman_schema(conn)
    if schema:
        return schema
    if not partman_available(conn):
        raise PartitionError("数据库服务器未安装 pg_partman（apt-get install postgresql-15-partman）",
                             "the database server has no pg_partman (apt-get install postgresql-15-partman)")
    try:
        with conn.begin_nested():
            conn.execute(text("create schema if not exists partman"))
            conn.execute(text("create extension if not exists pg_partman schema partman"))
    except DBAPIError as exc:  # typically: the application's role is not a superuser
        raise PartitionError(f"无法创建 pg_partman 扩展（{_first_line(exc)}）：请数据库管理员执行 "
                             "CREATE SCHEMA partman; CREATE EXTENSION pg_partman SCHEMA partman;",
                             f"could not create the pg_partman extension ({_first_line(exc)}): have the DBA run "
                             "CREATE SCHEMA partman; CREATE EXTENSION pg_partman SCHEMA partman;") from exc
    return "partman"


def _first_line(exc: DBAPIError) -> str:
    return (str(exc.orig or exc).splitlines() or [""])[0][:160]


def is_partitioned(conn: Connection, table: str) -> bool:
    return is_postgresql(conn) and bool(conn.scalar(text(
        "select 1 from pg_partitioned_table p join pg_class c on c.oid = p.partrelid "
        "join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relname = :t"), {"t": table}))


def managed_tables(conn: Connection) -> list[str]:
    """Our tables that pg_partman manages (its ``part_config``), in ``CANDIDATES`` order."""
    schema = partman_schema(conn)
    if not schema:
        return []
    names = set(conn.scalars(text(f'select parent_table from "{schema}".part_config')))
    return [t for t in CANDIDATES if f"public.{t}" in names and is_partitioned(conn, t)]


def _exists(conn: Connection, table: str) -> bool:
    return conn.scalar(text("select to_regclass(:t)"), {"t": f"public.{table}"}) is not None


def blockers(conn: Connection, table: str, key: str) -> list[str]:
    """Why ``table`` cannot become partitioned by ``key``: every unique constraint or index other
    than the primary key (which the conversion extends) that lacks the key, every foreign key that
    points at the table, and a nullable key.  Empty: it can."""
    if not _exists(conn, table):
        return [f"no table public.{table}"]
    reasons: list[str] = []
    rel = {"t": f"public.{table}", "k": key}
    nullable = conn.scalar(text("select not attnotnull from pg_attribute where attrelid = cast(:t as regclass) "
                                "and attname = :k and not attisdropped"), rel)
    if nullable is None:
        reasons.append(f"{table} has no column {key}")
    elif nullable:
        reasons.append(f"{table}.{key} may be NULL (a partition key must always have a value)")
    for name, cols in conn.execute(text(
            "select ci.relname, array_agg(a.attname order by k.ord) from pg_index i "
            "join pg_class ci on ci.oid = i.indexrelid "
            "cross join lateral unnest(i.indkey) with ordinality k(attnum, ord) "
            "join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum "
            "where i.indrelid = cast(:t as regclass) and i.indisunique and not i.indisprimary "
            "group by ci.relname order by ci.relname"), rel):
        if key not in cols:
            reasons.append(f"unique {name} ({', '.join(cols)}) does not contain {key}")
    for name, source in conn.execute(text(
            "select conname, conrelid::regclass::text from pg_constraint "
            "where contype = 'f' and confrelid = cast(:t as regclass) order by 2, 1"), rel):
        reasons.append(f"foreign key {source}.{name} points at {table}")
    return reasons


# ---------------------------------------------------------------- conversion


@dataclass
class Conversion:
    table: str
    status: str  # converted | already partitioned | would convert | blocked
    rows: int = 0
    partitions: int = 0
    seconds: float = 0.0
    reasons: list[str] = field(default_factory=list)


def _utc(conn: Connection) -> None:
    conn.execute(text("set local timezone to 'UTC'"))


def _lock(conn: Connection, table: str) -> None:
    """The table's exclusive lock, waited for at most ``LOCK_TIMEOUT``: a busy table is a clear refusal."""
    conn.execute(text(f"set local lock_timeout = '{LOCK_TIMEOUT}'"))
    try:
        conn.execute(text(f'lock table public."{table}" in access exclusive mode'))
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) != "55P03":  # lock_not_available
            raise
        raise PartitionError(f"{table} 正在使用，{LOCK_TIMEOUT} 内未能锁定：请在业务空闲时重试",
                             f"{table} is busy: its lock was not granted within {LOCK_TIMEOUT}; "
                             "retry at a quiet time") from exc


def _start_month(conn: Connection, table: str, key: str) -> str | None:
    """The first month to make (the oldest row's, at most ``OLDEST_MONTHS`` back), as pg_partman takes it."""
    return conn.scalar(text(
        f'select to_char(greatest(date_trunc(\'month\', min("{key}")), '
        f"date_trunc('month', now()) - make_interval(months => {OLDEST_MONTHS})), 'YYYY-MM-DD HH24:MI:SS') "
        f'from public."{table}"'))


def _shape(conn: Connection, table: str) -> dict[str, Any]:
    """What the new parent must get back: the primary key, foreign keys, plain indexes, the sequence."""
    rel = {"t": f"public.{table}"}
    pk = conn.execute(text("select conname, array(select a.attname from unnest(c.conkey) with ordinality k(n, o) "
                           "join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n order by k.o) "
                           "from pg_constraint c where c.conrelid = cast(:t as regclass) and c.contype = 'p'"),
                      rel).first()
    fks = conn.execute(text("select conname, pg_get_constraintdef(oid) from pg_constraint "
                            "where conrelid = cast(:t as regclass) and contype = 'f' order by conname"), rel).all()
    indexes = list(conn.scalars(text(
        "select pg_get_indexdef(i.indexrelid) from pg_index i where i.indrelid = cast(:t as regclass) "
        "and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid) "
        "order by i.indexrelid::regclass::text"), rel))
    seqs = [(seq, col) for col, seq in conn.execute(text(
        "select a.attname, pg_get_serial_sequence(cast(:name as text), cast(a.attname as text)) from pg_attribute a "
        "where a.attrelid = cast(:t as regclass) and a.attnum > 0 and not a.attisdropped"),
        {"t": f"public.{table}", "name": f"public.{table}"}) if seq]
    return {"pk": pk, "fks": fks, "indexes": indexes, "seqs": seqs}


def convert(engine: Engine, table: str, *, dry_run: bool = False, premake: int = PREMAKE) -> Conversion:
    """Turn ``table`` into monthly partitions managed by pg_partman, rows moved, in one transaction.

    Holds an ACCESS EXCLUSIVE lock on the table until it commits: writers to it (every order action
    for order_events) wait for the whole copy — minutes for tens of millions of rows, so run it in
    a quiet hour (docs/scale.md has the measured rate).  A second run says "already partitioned".
    """
    if table not in CANDIDATES:
        raise PartitionError(f"{table} 不在可分区的表中（{', '.join(CANDIDATES)}）",
                             f"{table} is not one of the tables that can be partitioned ({', '.join(CANDIDATES)})")
    key = CANDIDATES[table]
    t0 = time.perf_counter()
    with engine.begin() as conn:
        if not is_postgresql(conn):
            raise PartitionError("只有 PostgreSQL 可分区（SQLite 无需分区）", "only PostgreSQL is partitioned (SQLite has nothing to partition)")
        if is_partitioned(conn, table):
            return Conversion(table, "already partitioned")
        reasons = blockers(conn, table, key)
        if reasons:
            return Conversion(table, "blocked", reasons=reasons)
        _utc(conn)
        if dry_run:
            rows = conn.scalar(text(f'select count(*) from public."{table}"')) or 0
            start = _start_month(conn, table, key)
            months = conn.scalar(text(
                "select (extract(year from age(date_trunc('month', now()), cast(:s as timestamptz))) * 12 "
                "+ extract(month from age(date_trunc('month', now()), cast(:s as timestamptz))))::int"),
                {"s": start}) if start else 0
            return Conversion(table, "would convert", rows=rows, partitions=(months or 0) + 1 + premake + 1)
        schema = ensure_partman(conn)
        _lock(conn, table)
        shape = _shape(conn, table)
        start = _start_month(conn, table, key)
        old = f"{table}{SUFFIX_OLD}"
        conn.execute(text(f'alter table public."{table}" rename to "{old}"'))
        conn.execute(text(f'create table public."{table}" (like public."{old}" including defaults including constraints '
                          f'including storage including comments including generated) partition by range ("{key}")'))
        for seq, col in shape["seqs"]:  # the id sequence moves to the new table (dropping the old one would drop it)
            conn.execute(text(f'alter sequence {seq} owned by public."{table}"."{col}"'))
        conn.execute(text(
            f'select "{schema}".create_parent(p_parent_table => :p, p_control => :k, p_type => \'native\', '
            f"p_interval => 'monthly', p_premake => :premake, p_start_partition => :start, p_jobmon => false)"),
            {"p": f"public.{table}", "k": key, "premake": premake, "start": start})
        # make future months even while a table is quiet (pg_partman otherwise waits for newer rows)
        conn.execute(text(f'update "{schema}".part_config set infinite_time_partitions = true where parent_table = :p'),
                     {"p": f"public.{table}"})
        rows = conn.execute(text(f'insert into public."{table}" select * from public."{old}"')).rowcount
        conn.execute(text(f'drop table public."{old}"'))
        name, cols = shape["pk"]
        pk_cols = [*cols, key] if key not in cols else list(cols)
        conn.execute(text(f'alter table public."{table}" add constraint "{name}" primary key '
                          f'({", ".join(chr(34) + c + chr(34) for c in pk_cols)})'))
        for ddl in shape["indexes"]:
            conn.execute(text(ddl))
        for fk_name, ddl in shape["fks"]:
            conn.execute(text(f'alter table public."{table}" add constraint "{fk_name}" {ddl}'))
        conn.execute(text(f'analyze public."{table}"'))
        parts = len(children(conn, table))
    return Conversion(table, "converted", rows=rows, partitions=parts, seconds=time.perf_counter() - t0)


def children(conn: Connection, table: str) -> list[tuple[str, datetime, datetime]]:
    """The table's monthly partitions (schema-qualified name, start, end), oldest first; not the default."""
    schema = partman_schema(conn)
    if not schema:
        return []
    _utc(conn)
    out = []
    for sch, name in conn.execute(text(f'select partition_schemaname, partition_tablename '
                                       f'from "{schema}".show_partitions(:p)'), {"p": f"public.{table}"}):
        start, end = conn.execute(text(f'select child_start_time, child_end_time from '
                                       f'"{schema}".show_partition_info(:c, p_parent_table => :p)'),
                                  {"c": f"{sch}.{name}", "p": f"public.{table}"}).one()
        out.append((f"{sch}.{name}", start, end))
    return sorted(out, key=lambda c: c[1])


def is_partition_child(name: str) -> bool:
    """Whether a table name is one of our partitions (Alembic's autogenerate leaves them alone)."""
    return any(name == f"{t}_default" or (name.startswith(f"{t}_p") and name[len(t) + 2:].replace("_", "").isdigit())
               for t in CANDIDATES)


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic's autogenerate leaves the monthly partitions of a partitioned database alone
    (hotline/migrations/env.py): they are pg_partman's, not tables of the models."""
    return not (type_ == "table" and reflected and compare_to is None and is_partition_child(name or ""))


# ---------------------------------------------------------------- maintenance (the worker)


def maintain(engine: Engine) -> dict[str, Any]:
    """pg_partman's ``run_maintenance`` for each of our partitioned tables: the months ahead are made.
    Nothing on SQLite, without pg_partman, or before ``hotline db partition``."""
    if engine.dialect.name != "postgresql":
        return {"skipped": "not postgresql"}
    with engine.begin() as conn:
        schema = partman_schema(conn)
        if not schema:
            return {"skipped": "no pg_partman"}
        tables = managed_tables(conn)
        if not tables:
            return {"skipped": "not partitioned"}
        _utc(conn)
        before = {t: len(children(conn, t)) for t in tables}
        for t in tables:
            conn.execute(text(f'select "{schema}".run_maintenance(p_parent_table => :p, p_jobmon => false)'),
                         {"p": f"public.{t}"})
        made = {t: len(children(conn, t)) - before[t] for t in tables}
    return {"tables": tables, "made": made}


# ---------------------------------------------------------------- archiving a closed year


@dataclass
class Archived:
    table: str
    partition: str  # its name in the archive schema
    rows: int
    bytes: int


@dataclass
class YearArchive:
    year: int
    moved: list[Archived]
    default_rows: dict[str, int]  # rows of that year left in a default partition (not archived)
    dry_run: bool


def archive_year(engine: Engine, year: int, *, now: datetime, dry_run: bool = False) -> YearArchive:
    """Detach ``year``'s monthly partitions of every partitioned table into the ``archive`` schema.

    Refuses the current and the last year (their orders may still move, their figures are still
    read live), and refuses while an order with events in that year is not finished (its timeline
    would be split).  One transaction with its audit row; DETACH takes a brief ACCESS EXCLUSIVE lock
    on each parent.  The detached tables lose their foreign keys: the archive is a frozen copy that
    must neither block a delete elsewhere nor be emptied by a cascade.
    """
    from hotline.orders.enums import TERMINAL

    if year >= now.year - 1:
        raise PartitionError(f"{year} 年尚未结束或刚结束：只能封存 {now.year - 2} 年及以前（转入 archive 模式）",
                             f"{year} is the current or last year: only {now.year - 2} and earlier can be archived")
    lo, hi = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    moved: list[Archived] = []
    default_rows: dict[str, int] = {}
    with engine.begin() as conn:
        if not is_postgresql(conn):
            raise PartitionError("只有 PostgreSQL 有可封存的分区", "only PostgreSQL has partitions to archive")
        tables = managed_tables(conn)
        if not tables:
            raise PartitionError("没有已分区的表：请先运行 `hotline db partition`",
                                 "no table is partitioned: run `hotline db partition` first")
        _utc(conn)
        plan = [(t, c) for t in tables for c, start, end in children(conn, t) if start >= lo and end <= hi]
        if any(t == "order_events" for t, _ in plan):
            open_orders = conn.scalar(text(
                "select count(*) from orders o where o.status not in :done and exists (select 1 from order_events e "
                "where e.city_id = o.city_id and e.order_id = o.id and e.at >= :lo and e.at < :hi)").bindparams(
                    bindparam("done", expanding=True)),
                {"done": sorted(str(s) for s in TERMINAL), "lo": lo, "hi": hi}) or 0
            if open_orders:
                raise PartitionError(f"{year} 年还有 {open_orders} 件工单尚未结束：不能封存",
                                     f"{open_orders} orders with events in {year} are not finished yet: not archived")
        for t in tables:
            n = conn.scalar(text(f'select count(*) from public."{t}_default" where "{CANDIDATES[t]}" >= :lo '
                                 f'and "{CANDIDATES[t]}" < :hi'), {"lo": lo, "hi": hi}) \
                if _exists(conn, f"{t}_default") else 0
            if n:
                default_rows[t] = n
        for t, child in plan:
            rows = conn.scalar(text(f"select count(*) from {child}")) or 0
            size = conn.scalar(text("select pg_total_relation_size(cast(:c as regclass))"), {"c": child}) or 0
            moved.append(Archived(t, f"{ARCHIVE_SCHEMA}.{child.split('.', 1)[1]}", rows, size))
        if dry_run or not plan:
            return YearArchive(year, moved, default_rows, dry_run)
        conn.execute(text(f"set local lock_timeout = '{LOCK_TIMEOUT}'"))
        conn.execute(text(f"create schema if not exists {ARCHIVE_SCHEMA}"))
        for t, child in plan:
            conn.execute(text(f'alter table public."{t}" detach partition {child}'))
            conn.execute(text(f"alter table {child} set schema {ARCHIVE_SCHEMA}"))
            archived = f"{ARCHIVE_SCHEMA}.{child.split('.', 1)[1]}"
            for fk in list(conn.scalars(text("select conname from pg_constraint where contype = 'f' "
                                             "and conrelid = cast(:c as regclass)"), {"c": archived})):
                conn.execute(text(f'alter table {archived} drop constraint "{fk}"'))
        _audit(conn, year, moved, default_rows)
    return YearArchive(year, moved, default_rows, dry_run)


def _audit(conn: Connection, year: int, moved: list[Archived], default_rows: dict[str, int]) -> None:
    """The audit row of an archived year, in the archiving's own transaction (actor: the CLI)."""
    from sqlalchemy.orm import Session

    from hotline.org.audit import record

    with Session(bind=conn, join_transaction_mode="create_savepoint") as s:
        record(s, actor=None, action="db.archive_year", entity="database", entity_id=str(year), label="cli",
               partitions=[m.partition for m in moved], rows=sum(m.rows for m in moved),
               bytes=sum(m.bytes for m in moved), left_in_default=default_rows)
        s.commit()  # releases the savepoint: the row commits with the archiving's transaction


# ---------------------------------------------------------------- restoring an archived year


@dataclass
class Restored:
    table: str
    partition: str  # its name back in public
    rows: int  # rows it holds once attached (moved-in default rows included)
    start: datetime
    end: datetime
    from_default: int = 0  # rows of its month moved out of the parent's default partition


@dataclass
class YearRestore:
    year: int
    restored: list[Restored]
    dry_run: bool
    #: parents whose pg_partman config has a retention (set by hand: this code sets none), with it: its
    #: maintenance would detach (or drop) the restored months again
    retention: dict[str, str] = field(default_factory=dict)


def _retention(conn: Connection, tables: set[str]) -> dict[str, str]:
    schema = partman_schema(conn)
    rows = conn.execute(text(f'select parent_table, retention from "{schema}".part_config '
                             "where retention is not null")).all() if schema else []
    return {p.split(".", 1)[1]: r for p, r in rows if p.split(".", 1)[1] in tables}


def _archived_months(conn: Connection, tables: list[str], year: int) -> list[tuple[str, str, datetime, datetime]]:
    """``(parent, child name, start, end)`` of ``year``'s tables in the archive schema, by their
    pg_partman names (``<table>_pYYYY_MM``: the name is the only record of a detached month's bounds)."""
    names = set(conn.scalars(text("select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                                  "where n.nspname = :s and c.relkind = 'r'"), {"s": ARCHIVE_SCHEMA}))
    out = []
    for t in tables:
        for month in range(1, 13):
            name = f"{t}_p{year}_{month:02d}"
            if name in names:
                start = datetime(year, month, 1, tzinfo=UTC)
                end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
                out.append((t, name, start, end))
    return out


def _columns(conn: Connection, rel: str) -> dict[str, str]:
    return dict(conn.execute(text(
        "select attname, format_type(atttypid, atttypmod) from pg_attribute where attrelid = cast(:t as regclass) "
        "and attnum > 0 and not attisdropped"), {"t": rel}).all())


def _orphans(conn: Connection, parent: str, rel: str) -> list[tuple[str, str, int]]:
    """For each foreign key of ``parent`` (the ones archive-year dropped from its detached months):
    ``(constraint, referenced table, rows of rel whose referenced row is gone)``, MATCH SIMPLE like
    the constraint (a row with a NULL in its key references nothing)."""
    out = []
    for name, ref, cols, refcols in conn.execute(text(
            "select c.conname, c.confrelid::regclass::text, "
            "array(select a.attname from unnest(c.conkey) with ordinality k(n, o) join pg_attribute a "
            "      on a.attrelid = c.conrelid and a.attnum = k.n order by k.o), "
            "array(select a.attname from unnest(c.confkey) with ordinality k(n, o) join pg_attribute a "
            "      on a.attrelid = c.confrelid and a.attnum = k.n order by k.o) "
            "from pg_constraint c where c.conrelid = cast(:t as regclass) and c.contype = 'f' order by c.conname"),
            {"t": f"public.{parent}"}):
        present = " and ".join(f'x."{c}" is not null' for c in cols)
        match = " and ".join(f'r."{rc}" = x."{c}"' for c, rc in zip(cols, refcols, strict=True))
        n = conn.scalar(text(f"select count(*) from {rel} x where {present} "
                             f"and not exists (select 1 from {ref} r where {match})")) or 0
        if n:
            out.append((name, ref, n))
    return out


def restore_year(engine: Engine, year: int, *, dry_run: bool = False) -> YearRestore:
    """Bring ``year``'s archived months back: the reverse of :func:`archive_year`, in one transaction.

    Each ``archive.<table>_pYYYY_MM`` goes back to ``public`` and is attached to its parent for its
    UTC month.  Rows of that month that landed in the parent's default partition meanwhile (a row
    written with an old time after the month left) would block the attach: they are moved into the
    month first.  ``ATTACH PARTITION`` gives the table its parent's foreign keys back (the ones
    archive-year dropped) and validates them; a row whose referenced row is gone is found first and
    refused by name and count instead of an error from deep inside the attach.  Nothing to do for
    pg_partman: archive-year leaves ``part_config`` as it is (no retention is set), and
    ``show_partitions`` reads the attached children from the catalogue, so the maintenance sees the
    months again as soon as they are attached (a retention someone set there by hand is reported:
    the maintenance would detach the months again).  Refuses when nothing of ``year`` is archived (so a
    second run changes nothing).  One audit row (``db.restore_year``, actor cli).
    """
    moved: list[Restored] = []
    with engine.begin() as conn:
        if not is_postgresql(conn):
            raise PartitionError("只有 PostgreSQL 有可恢复的封存分区", "only PostgreSQL has archived partitions to restore")
        tables = managed_tables(conn)
        if not tables:
            raise PartitionError("没有已分区的表：请先运行 `hotline db partition`",
                                 "no table is partitioned: run `hotline db partition` first")
        _utc(conn)
        plan = _archived_months(conn, tables, year)
        if not plan:
            raise PartitionError(f"archive 模式中没有 {year} 年的分区：无可恢复（已恢复或从未封存）",
                                 f"nothing of {year} is in schema archive: nothing to restore "
                                 "(restored already, or never archived)")
        problems_zh: list[str] = []
        problems_en: list[str] = []
        for t, name, start, end in plan:
            rel = f"{ARCHIVE_SCHEMA}.{name}"
            key = CANDIDATES[t]
            if _exists(conn, name):
                problems_zh.append(f"public.{name} 已存在")
                problems_en.append(f"public.{name} exists already")
                continue
            want, have = _columns(conn, f"public.{t}"), _columns(conn, rel)
            if want != have:
                diff = sorted(set(want.items()) ^ set(have.items()))
                problems_zh.append(f"{rel} 的列与 {t} 不一致（{', '.join(c for c, _ in diff)}）")
                problems_en.append(f"{rel}'s columns differ from {t}'s ({', '.join(c for c, _ in diff)}): "
                                   "add them to the archived table first")
                continue
            outside = conn.scalar(text(f'select count(*) from {rel} where not ("{key}" >= :lo and "{key}" < :hi)'),
                                  {"lo": start, "hi": end}) or 0
            if outside:
                problems_zh.append(f"{rel} 有 {outside} 行不在 {start:%Y-%m} 月内")
                problems_en.append(f"{rel} has {outside} rows outside {start:%Y-%m}")
            for fk, ref, n in _orphans(conn, t, rel):
                problems_zh.append(f"{rel} 有 {n} 行引用的 {ref} 记录已不存在（外键 {fk}）")
                problems_en.append(f"{rel} has {n} rows whose {ref} row is gone (foreign key {fk})")
            rows = conn.scalar(text(f"select count(*) from {rel}")) or 0
            stray = conn.scalar(text(f'select count(*) from public."{t}_default" where "{key}" >= :lo '
                                     f'and "{key}" < :hi'), {"lo": start, "hi": end}) \
                if _exists(conn, f"{t}_default") else 0
            moved.append(Restored(t, f"public.{name}", rows + (stray or 0), start, end, stray or 0))
        if problems_en:
            raise PartitionError(f"{year} 年未恢复：" + "；".join(problems_zh),
                                 f"{year} not restored: " + "; ".join(problems_en))
        kept_by_partman = _retention(conn, {r.table for r in moved})
        if dry_run:
            return YearRestore(year, moved, dry_run, kept_by_partman)
        conn.execute(text(f"set local lock_timeout = '{LOCK_TIMEOUT}'"))
        try:
            _attach(conn, moved)
        except DBAPIError as exc:  # a busy parent, or something the checks above did not foresee
            if getattr(exc.orig, "sqlstate", None) == "55P03":
                raise PartitionError(f"表正在使用，{LOCK_TIMEOUT} 内未能锁定：{year} 年未恢复，请在业务空闲时重试",
                                     f"a table is busy (its lock was not granted within {LOCK_TIMEOUT}): "
                                     f"{year} not restored; retry at a quiet time") from exc
            raise PartitionError(f"{year} 年未恢复（{_first_line(exc)}）",
                                 f"{year} not restored ({_first_line(exc)})") from exc
        _audit_restore(conn, year, moved)
    return YearRestore(year, moved, dry_run, kept_by_partman)


def _attach(conn: Connection, restored: list[Restored]) -> None:
    """Each checked month back to public (its default-partition strays moved in) and attached."""
    for r in restored:
        name = r.partition.split(".", 1)[1]
        key = CANDIDATES[r.table]
        conn.execute(text(f'alter table {ARCHIVE_SCHEMA}."{name}" set schema public'))
        if r.from_default:
            cols = ", ".join(f'"{c}"' for c in _columns(conn, f"public.{r.table}"))
            conn.execute(text(
                f'with gone as (delete from public."{r.table}_default" where "{key}" >= :lo and "{key}" < :hi '
                f"returning {cols}) insert into public.\"{name}\" ({cols}) select {cols} from gone"),
                {"lo": r.start, "hi": r.end})
        # the bounds as UTC instants, whatever the session's time zone (set to UTC above anyway)
        conn.execute(text(f'alter table public."{r.table}" attach partition public."{name}" for values '
                          f"from ('{r.start.isoformat()}') to ('{r.end.isoformat()}')"))


def _audit_restore(conn: Connection, year: int, restored: list[Restored]) -> None:
    """The audit row of a restored year, in the restore's own transaction (actor: the CLI)."""
    from sqlalchemy.orm import Session

    from hotline.org.audit import record

    with Session(bind=conn, join_transaction_mode="create_savepoint") as s:
        record(s, actor=None, action="db.restore_year", entity="database", entity_id=str(year), label="cli",
               partitions=[r.partition for r in restored], rows=sum(r.rows for r in restored),
               from_default={r.partition: r.from_default for r in restored if r.from_default})
        s.commit()
