"""Test fixtures, on SQLite (default) or PostgreSQL (HOTLINE_TEST_DATABASE_URL=postgresql+psycopg://…).

The schema is built by the real Alembic migrations, the demo city is loaded once,
and each test runs inside a transaction that is rolled back afterwards (tests
that need real commits — concurrency, the browser — use ``committed`` and clean up).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="hotline-test-"))
os.environ["HOTLINE_ENV"] = "test"
os.environ["HOTLINE_PASSWORD_HASH_FAST"] = "true"
os.environ["HOTLINE_DATA_DIR"] = str(_TMP / "data")
os.environ.pop("HOTLINE_CITY_FILE", None)
DB_URL = os.environ.get("HOTLINE_TEST_DATABASE_URL") or f"sqlite:///{_TMP / 'test.sqlite3'}"
os.environ["HOTLINE_DATABASE_URL"] = DB_URL

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

import hotline.models  # noqa: E402,F401
from hotline import registry as _registry  # noqa: E402

_registry.install()  # the tests run with every package installed, in the declared order
from hotline import db as dbmod  # noqa: E402
from hotline.config import get_settings  # noqa: E402

SHARED_DATA = Path(os.environ.get("HOTLINE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
ORDER_TABLES = ["kpi_daily_facts", "kpi_fact_days", "kpi_dirty_days", "governance_notes", "governance_project_orders", "governance_projects", "proactive_tasks", "surge_alerts", "monthly_reports", "report_subscriptions", "unit_names", "site_checks", "pushdowns", "transfers", "missed_call_attempts", "missed_calls", "call_events", "call_records", "hot_matter_events", "hot_matter_orders", "hot_matter_links", "hot_matters", "settings_versions", "linkage_calls", "linkage_handoffs",
                "idempotency_keys", "outbox", "attachments", "order_requests", "replies", "order_events", "assignments",
                "orders", "order_number_counters"]


def _ensure_pg_database(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    u = make_url(url)
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        if not c.scalar(text("select 1 from pg_database where datname=:n"), {"n": u.database}):
            c.execute(text(f'create database "{u.database}"'))
        else:
            c.execute(text("select pg_terminate_backend(pid) from pg_stat_activity "
                           "where datname=:n and pid<>pg_backend_pid()"), {"n": u.database})
    admin.dispose()


def _reset_schema(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as c:
        if engine.dialect.name == "postgresql":
            c.execute(text("drop schema public cascade"))
            c.execute(text("create schema public"))
            # a partitioned run's leftovers (hotline.partitions): pg_partman's configuration names dropped tables
            c.execute(text("drop extension if exists pg_partman cascade"))
            c.execute(text("drop schema if exists partman cascade"))
            c.execute(text("drop schema if exists archive cascade"))
        else:
            for row in list(c.exec_driver_sql("select name from sqlite_master where type='table'")):
                c.exec_driver_sql(f'drop table if exists "{row[0]}"')


@pytest.fixture(scope="session", autouse=True)
def database() -> Iterator[str]:
    get_settings.cache_clear()
    _ensure_pg_database(DB_URL)
    build_database()
    if os.environ.get("HOTLINE_TEST_PARTITIONED") and DB_URL.startswith("postgresql"):
        # the whole run on monthly partitions (hotline.partitions): the app must not notice
        from hotline.partitions.service import DEFAULT_TABLES, convert

        for table in DEFAULT_TABLES:
            convert(dbmod.get_engine(), table)
    yield DB_URL
    dbmod.get_engine().dispose()


def build_database() -> None:
    """The test database from nothing: the migrations, the demo city and its unit accounts."""
    engine = dbmod.configure(DB_URL)
    _reset_schema(engine)
    from hotline.city.service import current_city
    from hotline.demo.seed import ensure_unit_accounts
    from hotline.migrate import upgrade
    from hotline.org.cities import sync_city

    upgrade(DB_URL)
    # Tables a package added since the last migration still get made, so its own tests run;
    # tests/integration/test_migrations.py fails until a migration covers them.
    dbmod.Base.metadata.create_all(engine)
    with dbmod.session_scope() as s:
        sync_city(s, current_city())
        ensure_unit_accounts(s)


@pytest.fixture
def db() -> Iterator[Session]:
    """A session whose every commit is a savepoint inside one rolled-back transaction."""
    engine = dbmod.get_engine()
    conn = engine.connect()
    outer = conn.begin()
    session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        conn.close()
        _forget_process_caches()


@pytest.fixture(autouse=True)
def _repeats_as_suggestions(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Repeat calls are merged by default (国办函〔2025〕66号, docs/duplicates.md), but most tests here were
    written when they were only suggested, and make the same demand from the same phone several times
    (``helpers.DEMAND``) to exercise other rules.  They keep suggestions; the tests of the rule itself and
    of the demo are marked ``repeats_merged`` and run with the city's setting."""
    if request.node.get_closest_marker("repeats_merged"):
        return
    from hotline.duplicates import flows, settings

    monkeypatch.setattr(flows, "rules", lambda: settings.rules().model_copy(update={"auto_merge_repeats": False}))


def _forget_process_caches() -> None:
    """Caches of rows a rolled-back test may have changed (duty keywords, active models)."""
    from hotline.city import live
    from hotline.routing.service import REGISTRY, forget_catalogue

    live.forget()  # live settings versions of a rolled-back test
    forget_catalogue()
    REGISTRY.forget()


def _client_for(session: Session | None) -> TestClient:
    from hotline.main import create_app
    from hotline.org.deps import get_db
    from hotline.org.throttle import reset_login_throttle

    reset_login_throttle()  # failed logins of an earlier test must not lock this one out
    app = create_app()
    if session is not None:
        def _override() -> Iterator[Session]:
            try:
                yield session
            except Exception:
                session.rollback()  # like get_db: a refused action leaves nothing behind
                raise

        app.dependency_overrides[get_db] = _override
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def client(db: Session) -> Iterator[TestClient]:
    with _client_for(db) as c:
        yield c


def _wipe_orders() -> None:
    with dbmod.get_engine().begin() as c:
        for t in ORDER_TABLES:
            c.execute(text(f"delete from {t}"))
        c.execute(text("delete from text_postings where kind='order'"))  # no foreign key to orders
        c.execute(text("delete from login_sessions"))
        c.execute(text("delete from api_tokens"))
        c.execute(text("delete from catalogue_versions"))  # a committed catalogue version would steer later routing


@pytest.fixture
def committed() -> Iterator[None]:
    """For tests that need real commits (concurrency, a live server): wipe orders after."""
    _wipe_orders()
    yield
    _wipe_orders()


@pytest.fixture
def live_client(committed: None) -> Iterator[TestClient]:
    with _client_for(None) as c:
        yield c


def login_csrf(client: TestClient) -> str:
    """Open the login page like a browser and return the form's CSRF token (its cookie stays in the client)."""
    import re

    page = client.get("/login")
    m = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert m, page.text
    return m.group(1)


def login(client: TestClient, username: str, password: str = "demo12345", db: Session | None = None) -> str:
    """Log the client in through the console form; returns the CSRF token for API calls."""
    r = client.post("/login", data={"username": username, "password": password, "next": "/",
                                     "csrf_token": login_csrf(client)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    from hotline.org.auth import load_session

    if db is not None:
        sess = load_session(db, client.cookies["hotline_session"])
        return sess.csrf_token if sess else ""
    with dbmod.session_factory()() as s:
        sess = load_session(s, client.cookies["hotline_session"])
        return sess.csrf_token if sess else ""


@pytest.fixture
def as_user(client: TestClient, db: Session):  # type: ignore[no-untyped-def]
    """as_user('dispatcher') → headers with a bearer token for that demo user (inside the test txn)."""
    from sqlalchemy import select

    from hotline.org.auth import create_api_token
    from hotline.org.models import User

    cache: dict[str, dict[str, str]] = {}

    def _get(username: str) -> dict[str, str]:
        if username not in cache:
            user = db.scalar(select(User).where(User.username == username))
            assert user is not None, username
            token = create_api_token(db, user, "test")
            db.flush()
            cache[username] = {"Authorization": f"Bearer {token}"}
        return cache[username]

    return _get


@pytest.fixture
def live_server(committed: None) -> Iterator[str]:
    """The real app served by uvicorn on a free localhost port, on the committed test database."""
    import socket
    import threading
    import time

    import uvicorn

    from hotline.main import create_app

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
