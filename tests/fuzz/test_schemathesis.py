"""Property-based API fuzz: schemathesis generates requests from /openapi.json; none may be a 500.

Bounded (a few examples per operation, no shrinking beyond Hypothesis' default deadline-free run),
deterministic (fixed seed, no example database), authenticated as an admin token so requests reach
the real handlers, and run inside one transaction rolled back at the end, on SQLite only: the
PostgreSQL-specific causes (NUL bytes, integer overflow) are pinned by tests/integration/test_bad_input.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, Phase, seed, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from tests.conftest import DB_URL  # noqa: E402

pytestmark = [pytest.mark.fuzz,
              pytest.mark.skipif(not DB_URL.startswith("sqlite"), reason="the fuzz run is on SQLite only")]

EXAMPLES = int(os.environ.get("HOTLINE_FUZZ_EXAMPLES", "6"))
SEED = 12345


def _app() -> Any:
    from hotline.main import create_app

    return create_app()


APP = _app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module")
def fuzz_client(database: str) -> Iterator[tuple[Any, dict[str, str]]]:
    from fastapi.testclient import TestClient
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from hotline import db as dbmod
    from hotline.org.auth import create_api_token
    from hotline.org.deps import get_db
    from hotline.org.models import User

    conn = dbmod.get_engine().connect()
    outer = conn.begin()
    session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)

    def _override() -> Iterator[Session]:
        try:
            yield session
        except Exception:
            session.rollback()
            raise

    APP.dependency_overrides[get_db] = _override
    admin = session.scalar(select(User).where(User.username == "admin"))
    assert admin is not None
    token = create_api_token(session, admin, "fuzz")
    session.flush()
    try:
        with TestClient(APP, raise_server_exceptions=False) as client:
            yield client, {"Authorization": f"Bearer {token}"}
    finally:
        APP.dependency_overrides.clear()
        session.close()
        outer.rollback()
        conn.close()


@schema.parametrize()
@seed(SEED)
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_no_server_error(case: Any, fuzz_client: tuple[Any, dict[str, str]]) -> None:
    _client, auth = fuzz_client
    case.call_and_validate(headers=auth, checks=[not_a_server_error])
