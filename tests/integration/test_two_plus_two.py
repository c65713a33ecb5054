"""Issue #15 item 3: two server processes and two workers against one PostgreSQL database.

Runs ``bench/faults.py --servers 2 --workers 2 --kills 0`` (its own scratch database, next to the test
database) as a subprocess: clients file orders through both servers, both workers drain the same
outbox, and every order, SMS and webhook is then counted. Nothing may be lost, doubled, or sent
twice under the same id (the workers' leases keep them off each other's messages).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import DB_URL

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not DB_URL.startswith("postgresql"), reason="several processes on one PostgreSQL")
def test_two_servers_and_two_workers_lose_and_double_nothing() -> None:
    url = make_url(DB_URL)
    scratch = url.set(database=f"{url.database}_2plus2").render_as_string(hide_password=False)
    env = {**os.environ, "HOTLINE_BENCH_FAULTS_URL": scratch, "PYTHONPATH": str(ROOT)}
    env.pop("HOTLINE_TEST_DATABASE_URL", None)
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "faults.py"), "--servers", "2", "--workers", "2",
                           "--kills", "0", "--clients", "4", "--step", "40", "--load-s", "30", "--json"],
                          env=env, capture_output=True, text=True, timeout=420, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    o, m, run = out["orders"], out["messages"], out["run"]
    assert (run["servers"], run["workers"]) == (2, 2)
    assert o["acknowledged"] >= 20, out
    assert o["in_database"] == o["acknowledged"] and o["lost"] == 0 and o["duplicated"] == 0, out
    assert m["sms_received_distinct"] == o["acknowledged"] and m["sms_lost"] == 0 and m["sms_duplicated"] == 0, out
    assert m["webhooks_received_distinct"] == o["acknowledged"] and m["webhooks_lost"] == 0, out
    assert m["sms_resent_same_id"] == 0 and m["webhooks_resent_same_id"] == 0, out  # no kills: nothing re-sent
    assert m["outbox_pending_at_end"] == 0 and m["outbox_failed"] == 0, out
