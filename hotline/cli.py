"""The ``hotline`` command: run the server, the worker, migrations, demo data and tools."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

DEFAULT_DB = Path("var/hotline.sqlite3")  # the default of HOTLINE_DATABASE_URL (hotline/config.py)
DEMO_DB = Path("var/demo.sqlite3")  # where `hotline demo` (scripts/demo) keeps its database
DEMO_URL = f"sqlite:///{DEMO_DB}"


def _missing_schema(exc: BaseException) -> bool:
    """A query hit a database without our tables (SQLite: no such table; PostgreSQL: 42P01)."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    if not isinstance(exc, OperationalError | ProgrammingError):
        return False
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) == "42P01" or "no such table" in str(orig or exc)


def _shown_url() -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(_settings().database_url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only for the message
        return "?"


class _Group(TyperGroup):
    """Every ``hotline`` command: a database without the schema is a clear message, not a traceback."""

    def invoke(self, ctx):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if not _missing_schema(exc):
                raise
            detail = (str(getattr(exc, "orig", None) or exc).splitlines() or [""])[0][:120]
            typer.echo(f"数据库 {_shown_url()} 尚未建表（{detail}）："
                       f"请先运行 `hotline db upgrade`（演示数据请运行 `hotline seed`）。\n"
                       f"The database {_shown_url()} has no schema yet: run `hotline db upgrade` first "
                       f"(`hotline seed` for the demo data).", err=True)
            raise typer.Exit(2) from exc


app = typer.Typer(help="Hotline 12345 — 12345政务服务便民热线工单平台", no_args_is_help=True,
                  pretty_exceptions_enable=False, cls=_Group)
db_app = typer.Typer(help="Database schema (Alembic migrations)", no_args_is_help=True)
user_app = typer.Typer(help="Console users", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for integrations", no_args_is_help=True)
city_app = typer.Typer(help="The city file (units, categories, policies)", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(city_app, name="city")



def _mount_package_commands() -> None:
    """``hotline <noun> …`` for every command a package's plugin declares (hotline/registry.py)."""
    from hotline import registry

    for name, sub, _pkg in registry.install().commands:
        app.add_typer(sub, name=name)


_mount_package_commands()


def _worker_alias() -> None:
    from hotline.outbox.cli import run as worker_run

    app.command("worker", help="Run the worker: deadline sweep, reminders, escalation and notifications "
                               "(alias of `hotline outbox run`)")(worker_run)


_worker_alias()


def _settings():  # type: ignore[no-untyped-def]
    from hotline.config import get_settings

    return get_settings()


def _has_schema(path: Path) -> bool:
    """Whether a SQLite file holds our schema (read-only look: never creates the file)."""
    import sqlite3

    if not path.is_file() or path.stat().st_size == 0:
        return False
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return con.execute("select 1 from sqlite_master where type='table' and name='alembic_version'"
                               ).fetchone() is not None
        finally:
            con.close()
    except sqlite3.Error:
        return False


def resolve_database() -> str | None:
    """The one rule for which database a command uses when HOTLINE_DATABASE_URL is not set (README).

    The default is ``var/hotline.sqlite3``.  When that file has no schema (absent or empty) and the
    demo's ``var/demo.sqlite3`` has one, the command uses the demo's database — so a command typed
    next to a running ``scripts/demo`` reaches the demo's data.  Returns the URL chosen, if it changed.
    """
    if os.environ.get("HOTLINE_DATABASE_URL"):
        return None  # chosen explicitly: always that one
    if _has_schema(DEFAULT_DB) or not _has_schema(DEMO_DB):
        return None
    try:
        if "database_url" in _settings().model_fields_set:
            return None  # chosen in .env
    except Exception:  # noqa: BLE001 - invalid settings: the command itself reports them
        return None
    os.environ["HOTLINE_DATABASE_URL"] = DEMO_URL
    from hotline import db as dbmod
    from hotline.config import get_settings

    get_settings.cache_clear()
    if dbmod._engine is not None:  # noqa: SLF001 - a command that ran before this decision
        dbmod.configure(DEMO_URL)
    return DEMO_URL


@app.callback()
def _main() -> None:
    """Hotline 12345 — 12345政务服务便民热线工单平台"""
    if resolve_database():
        typer.echo(f"提示：使用演示数据库 {DEMO_DB}（{DEFAULT_DB} 尚未建表；设置 HOTLINE_DATABASE_URL 可指定数据库）\n"
                   f"note: using the demo's database {DEMO_DB} ({DEFAULT_DB} has no schema; "
                   f"set HOTLINE_DATABASE_URL to choose another)", err=True)


def _upgrade() -> None:
    from hotline.migrate import upgrade

    upgrade(_settings().database_url)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the latest version."""
    _upgrade()
    typer.echo("schema is up to date")


@db_app.command("revision")
def db_revision(message: Annotated[str, typer.Option("-m", "--message")]) -> None:
    """Write a new migration from the difference between the models and the database."""
    from hotline.migrate import revision

    _upgrade()
    revision(_settings().database_url, message)


@db_app.command("partition")
def db_partition(dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would change; change nothing")] = False,
                 table: Annotated[list[str] | None, typer.Option("--table", help="Only this table (repeatable)")] = None,
                 ) -> None:
    """PostgreSQL: turn the event tables into monthly partitions managed by pg_partman (docs/scale.md).

    Each table is converted in one transaction that locks it (writers wait): run it in a quiet hour.
    A second run says "already partitioned"."""
    from hotline.db import get_engine
    from hotline.partitions.service import DEFAULT_TABLES, PartitionError, convert

    engine = get_engine()
    if engine.dialect.name != "postgresql":
        typer.echo("SQLite 无需分区（只有 PostgreSQL 分区）\nSQLite has nothing to partition (PostgreSQL only)")
        return
    blocked = False
    for name in table or DEFAULT_TABLES:
        try:
            res = convert(engine, name, dry_run=dry_run)
        except PartitionError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from exc
        if res.status == "converted":
            typer.echo(f"{name}: converted, {res.rows} rows moved into {res.partitions} monthly partitions "
                       f"in {res.seconds:.1f} s")
        elif res.status == "would convert":
            typer.echo(f"{name}: would convert {res.rows} rows into about {res.partitions} partitions (dry run)")
        elif res.status == "blocked":
            blocked = True
            typer.echo(f"{name}: cannot be partitioned: " + "; ".join(res.reasons), err=True)
        else:
            typer.echo(f"{name}: already partitioned")
    if blocked:
        raise typer.Exit(2)


@db_app.command("archive-year")
def db_archive_year(year: Annotated[int, typer.Argument(help="A closed year (two or more years ago)")],
                    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would move; move nothing")] = False,
                    ) -> None:
    """PostgreSQL: detach that year's monthly partitions into the `archive` schema (audited)."""
    from hotline.db import get_engine, utcnow
    from hotline.partitions.service import PartitionError, archive_year

    try:
        res = archive_year(get_engine(), year, now=utcnow(), dry_run=dry_run)
    except PartitionError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    verb = "would move" if dry_run else "moved"
    if not res.moved:
        typer.echo(f"{year}: no partition of that year to archive")
    for m in res.moved:
        typer.echo(f"{verb} {m.partition}: {m.rows} rows, {m.bytes} bytes")
    for t, n in res.default_rows.items():
        typer.echo(f"note: {n} rows of {year} stay in {t}_default (not a monthly partition)")
    if res.moved:
        typer.echo(f"{year}: {sum(m.rows for m in res.moved)} rows, {sum(m.bytes for m in res.moved)} bytes "
                   f"{verb} to schema archive")


@db_app.command("restore-year")
def db_restore_year(year: Annotated[int, typer.Argument(help="A year archived by `hotline db archive-year`")],
                    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and say what would come back; "
                                                                             "change nothing")] = False,
                    ) -> None:
    """PostgreSQL: bring an archived year back from schema `archive` into the hot tables (audited)."""
    from hotline.db import get_engine
    from hotline.partitions.service import PartitionError, restore_year

    try:
        res = restore_year(get_engine(), year, dry_run=dry_run)
    except PartitionError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    verb = ("将恢复 / would restore", "将移入 / would move") if dry_run else ("已恢复 / restored", "已移入 / moved")
    for r in res.restored:
        typer.echo(f"{verb[0]} {r.partition}: {r.rows} rows, {r.start:%Y-%m-%d} .. {r.end:%Y-%m-%d} UTC")
        if r.from_default:
            typer.echo(f"  {verb[1]} {r.from_default} rows from {r.table}_default")
    for t, keep in res.retention.items():
        typer.echo(f"注意：pg_partman 对 {t} 设有保留期 {keep}，维护任务会再次分离这些月份（清除 part_config.retention）\n"
                   f"note: pg_partman keeps {keep} of {t} (part_config.retention): its maintenance will detach "
                   "these months again unless that is cleared", err=True)
    done = "would be attached again (dry run)" if dry_run else "attached again"
    typer.echo(f"{year}: {sum(r.rows for r in res.restored)} rows in {len(res.restored)} partitions {done}")


@city_app.command("add")
def city_add(path: Annotated[Path, typer.Argument(help="The new city's city file (YAML)")],
             no_users: Annotated[bool, typer.Option("--no-users", help="Skip the file's demo users")] = False,
             ) -> None:
    """Create a city (or refresh one, by its code) from a city file: units, categories, users."""
    from hotline.city.loader import CityFileError
    from hotline.db import session_scope
    from hotline.org.cities import add_city

    _upgrade()
    try:
        with session_scope() as db:
            row = add_city(db, path, with_users=not no_users)
            typer.echo(f"city {row.code} ({row.name}): id {row.id}")
    except CityFileError as exc:
        typer.echo(f"invalid: {exc}", err=True)
        raise typer.Exit(2) from exc


@city_app.command("check")
def city_check(path: Annotated[Path | None, typer.Argument(help="City YAML; the demo city if omitted")] = None
               ) -> None:
    """Validate a city file and print what it holds."""
    from hotline.city.loader import CityFileError, load_city

    try:
        city = load_city(path)
    except CityFileError as exc:
        typer.echo(f"invalid: {exc}", err=True)
        raise typer.Exit(2) from exc
    kinds: dict[str, int] = {}
    for u in city.units:
        kinds[u.type.value] = kinds.get(u.type.value, 0) + 1
    typer.echo(f"{city.city.name}: units {kinds}, categories {len(city.category_index())}, "
               f"roads {len(city.roads)}, users {len(city.users)}")


@city_app.command("export")
def city_export(city: Annotated[str | None, typer.Option("--city", help="The city's code (default: the home city)")] = None,
                output: Annotated[Path | None, typer.Option("-o", "--output", help="Write here (default: stdout)")] = None,
                ) -> None:
    """Write the live configuration of a city (units, catalogue, settings versions) as a city file."""
    from hotline import registry
    from hotline.city.tenancy import acting_as, home_code, scope_by_code
    from hotline.cityfile.service import export
    from hotline.db import session_scope
    from hotline.errors import AppError

    registry.install()
    with session_scope() as db:
        scope = scope_by_code(db, city or home_code())
        if scope is None:  # a city (never the province's own row)
            typer.echo(f"没有该城市 / no such city: {city}", err=True)
            raise typer.Exit(2)
        try:
            with acting_as(scope):
                text, _name = export(db, actor="cli")
        except AppError as exc:
            typer.echo(f"{exc.zh} / {exc.en}", err=True)
            raise typer.Exit(2) from exc
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}", err=True)


@app.command()
def seed(orders: Annotated[int, typer.Option(help="Demo orders to create in an empty database")] = 300) -> None:
    """Load the city file into the database (units, categories, users) and demo orders."""
    from hotline.city.service import current_city
    from hotline.db import session_scope
    from hotline.demo.seed import seed_demo

    _upgrade()
    with session_scope() as db:
        counts = seed_demo(db, current_city(), orders=orders)
    typer.echo(f"seeded: {counts}")


def _print_logins(host: str, port: int) -> None:
    from hotline.city.service import current_city

    typer.echo("")
    typer.echo(f"  12345热线工单平台 running at http://{host}:{port}/   (API docs: http://{host}:{port}/docs)")
    typer.echo("  Demo logins (password demo12345):")
    from hotline.db import session_scope
    from hotline.org.cities import city_logins

    with session_scope() as db:
        for city_name, users in city_logins(db) or [(current_city().city.name, current_city().users)]:
            typer.echo(f"  {city_name}:")
            for u in users:
                typer.echo(f"    {u.role:<20} {u.username:<22} {u.name}")
    typer.echo("")


@app.command()
def serve(host: Annotated[str, typer.Option()] = "127.0.0.1", port: Annotated[int, typer.Option()] = 8000,
          workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1) -> None:
    """Run the web server (console + API) on the configured database."""
    import uvicorn

    from hotline.web.security import server_options

    _upgrade()
    uvicorn.run("hotline.main:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="info", **server_options())  # forwarded headers: HOTLINE_TRUSTED_PROXIES only


@app.command()
def demo(host: Annotated[str, typer.Option()] = "127.0.0.1", port: Annotated[int, typer.Option()] = 8000,
         orders: Annotated[int, typer.Option(help="Demo orders on first start")] = 300) -> None:
    """Start the server on the embedded SQLite database with the demo city and demo orders."""
    os.environ.setdefault("HOTLINE_DATABASE_URL", "sqlite:///var/demo.sqlite3")
    from hotline.config import get_settings

    get_settings.cache_clear()
    seed(orders=orders)
    _print_logins(host, port)
    import threading

    import uvicorn

    from hotline.outbox.worker import Worker
    from hotline.web.security import server_options

    # The demo runs the worker in the same process (production runs `hotline worker` apart), so
    # overdue demo orders get their 催办/督办 and notices arrive while you look around.
    worker = Worker(interval=60.0)
    threading.Thread(target=worker.run, name="demo-worker", daemon=True).start()
    typer.echo("  The worker (deadline sweep and notifications) runs every 60 s in this process.")
    if _settings().database_url == DEMO_URL and not _has_schema(DEFAULT_DB):
        typer.echo(f"  Other `hotline` commands run in this folder use this demo database ({DEMO_DB}).")

    uvicorn.run("hotline.main:create_app", factory=True, host=host, port=port, log_level="warning",
                **server_options())


@user_app.command("create")
def user_create(username: Annotated[str, typer.Option()], name: Annotated[str, typer.Option()],
                role: Annotated[str, typer.Option(help="operator, dispatcher, unit_handler, ...")],
                unit: Annotated[str, typer.Option(help="unit code")],
                password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
                ) -> None:
    """Create a console user."""
    from sqlalchemy import select

    from hotline.city.schema import Role
    from hotline.db import session_scope
    from hotline.org.audit import record
    from hotline.org.auth import hash_password
    from hotline.org.models import Unit, User
    from hotline.org.people import snapshot

    if role not in {r.value for r in Role}:
        typer.echo(f"unknown role {role}; one of: {', '.join(r.value for r in Role)}", err=True)
        raise typer.Exit(2)
    if len(password) < 8:
        typer.echo("password must be at least 8 characters", err=True)
        raise typer.Exit(2)
    with session_scope() as db:
        u = db.scalar(select(Unit).where(Unit.code == unit))
        if u is None:
            typer.echo(f"unknown unit {unit}", err=True)
            raise typer.Exit(2)
        if db.scalar(select(User).where(User.username == username)):
            typer.echo(f"user {username} exists", err=True)
            raise typer.Exit(2)
        row = User(username=username, name=name, role=role, unit=u, password_hash=hash_password(password))
        db.add(row)
        db.flush()
        record(db, actor=None, action="user.create", entity="user", entity_id=username, before={},
               after=snapshot(row), label="cli")
    typer.echo(f"created {username}")


@token_app.command("create")
def token_create(username: Annotated[str, typer.Option()],
                 name: Annotated[str, typer.Option(help="what the token is for")],
                 scope: Annotated[str, typer.Option(help="write (default) or read: GET only")] = "write") -> None:
    """Create an API token for a user and print it once."""
    from sqlalchemy import select

    from hotline.db import session_scope
    from hotline.org.audit import record
    from hotline.org.auth import issue_api_token
    from hotline.org.models import User

    if scope not in ("read", "write"):
        typer.echo("scope is read or write", err=True)
        raise typer.Exit(2)
    with session_scope() as db:
        user = db.scalar(select(User).where(User.username == username))
        if user is None:
            typer.echo(f"unknown user {username}", err=True)
            raise typer.Exit(2)
        token, row = issue_api_token(db, user, name, scope=scope)
        db.flush()
        record(db, actor=None, action="token.create", entity="token", entity_id=row.id, before={},
               after={"user": username, "name": name, "scope": scope, "expires_at": None}, label="cli")
    typer.echo(token)


if __name__ == "__main__":  # pragma: no cover
    app()
