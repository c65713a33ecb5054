"""Small factories for integration tests: make an order and move it with the API."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient

DEMAND: dict[str, Any] = {
    "kind": "complaint", "title": "小区门口占道经营", "content": "新华街道桃源社区门口每天晚上有摊贩占道经营，噪音大、垃圾多，希望处理。",
    "citizen_name": "李娜", "citizen_phone": "13912345678", "address": "青阳市东城区新华路12号",
}


def create(client: TestClient, headers: dict[str, str], **over: Any) -> dict[str, Any]:
    r = client.post("/api/v1/orders", json={**DEMAND, **over}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def act(client: TestClient, headers: dict[str, str], number: str, action: str, **kw: Any):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/orders/{number}/actions", json={"action": action, **kw}, headers=headers)


def ok(client: TestClient, headers: dict[str, str], number: str, action: str, **kw: Any) -> dict[str, Any]:
    r = act(client, headers, number, action, **kw)
    assert r.status_code == 200, r.text
    return r.json()


def leaf_category(client: TestClient, headers: dict[str, str], word: str = "") -> str:
    cats = client.get("/api/v1/categories", headers=headers).json()
    return next(c["code"] for c in cats if c["level"] == 3 and word in c["path"])


def dispatched(client: TestClient, as_user, lead: str, co: list[str] | None = None,  # type: ignore[no-untyped-def]
               pushdown_reason: str | None = None, **over: Any) -> str:
    """Create and dispatch (first leaf category: 路灯, the catalogue's 城管局; a street needs ``pushdown_reason``)."""
    order = create(client, as_user("operator1"), **over)
    extra = {"pushdown_reason": pushdown_reason} if pushdown_reason else {}
    ok(client, as_user("dispatcher"), order["number"], "dispatch", lead_unit=lead, co_units=co or [],
       category_code=leaf_category(client, as_user("dispatcher")), **extra)
    return order["number"]


def scratch_database_url(tmp_path: Any, name: str) -> str:
    """An empty database of its own for a migration test: a SQLite file, or ``<test db>_<name>`` on PostgreSQL."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from tests.conftest import DB_URL, _ensure_pg_database, _reset_schema

    if DB_URL.startswith("sqlite"):
        return f"sqlite:///{tmp_path / (name + '.sqlite3')}"
    u = make_url(DB_URL)
    url = u.set(database=f"{u.database}_{name}").render_as_string(hide_password=False)
    _ensure_pg_database(url)
    eng = create_engine(url)
    _reset_schema(eng)
    eng.dispose()
    return url


@contextmanager
def sql_statements() -> Iterator[list[str]]:
    """Every SQL statement the engine runs inside the block, in order (statement-count tests)."""
    from sqlalchemy import event

    from hotline import db as dbmod

    seen: list[str] = []
    engine = dbmod.get_engine()

    def grab(_conn: Any, _cur: Any, statement: str, *_a: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", grab)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", grab)
