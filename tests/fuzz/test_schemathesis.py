"""Property-based API fuzz: schemathesis generates requests from /openapi.json; none may be a 500.

Bounded (``HOTLINE_FUZZ_EXAMPLES`` generated examples per operation, 6 by default, plus
schemathesis' explicit and boundary cases; under a minute on two cores), deterministic (fixed
seed, derandomized, no example database), authenticated as the demo admin's API token so that
requests reach the real handlers, and run inside one transaction rolled back at the end.  It runs
once, in the SQLite pass of scripts/test; the PostgreSQL-only causes (NUL bytes, 64-bit overflow)
are pinned on both databases by tests/integration/test_bad_input.py.

A failure prints the request as a curl command ("Reproduce with:").  To look harder:
``HOTLINE_FUZZ_EXAMPLES=100 pytest -m fuzz``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, seed, settings
from schemathesis.checks import not_a_server_error

from tests.conftest import DB_URL, _forget_process_caches

pytestmark = [pytest.mark.fuzz,
              pytest.mark.skipif(not DB_URL.startswith("sqlite"), reason="the fuzz run is on SQLite only")]

EXAMPLES = int(os.environ.get("HOTLINE_FUZZ_EXAMPLES", "6"))
SEED = 12345


def _app() -> Any:
    from hotline.main import create_app

    return create_app()


APP = _app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
schema.config.seed = SEED


@pytest.fixture(scope="module")
def admin_headers(database: str) -> Iterator[dict[str, str]]:
    """The app's sessions all join one outer transaction, rolled back when the module ends."""
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
        yield {"Authorization": f"Bearer {token}"}
    finally:
        APP.dependency_overrides.clear()
        session.close()
        outer.rollback()
        conn.close()
        _forget_process_caches()


@schema.parametrize()
@seed(SEED)
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
def test_no_server_error(case: Any, admin_headers: dict[str, str]) -> None:
    case.call_and_validate(headers=admin_headers, checks=[not_a_server_error])
