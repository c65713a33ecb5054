"""未诉先办 backtest: predict last year's seasons from the years before, beside the naive baseline
(same month last year ≥ MIN_CALLS).  Reads the orders of the configured database (e.g. after ``hotline demo``).

    PYTHONPATH=. python bench/governance_backtest.py [--year 2025] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import time

from hotline import registry
from hotline.db import session_scope, utcnow
from hotline.governance import predict, service


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--year", type=int, default=utcnow().year - 1)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    registry.install()
    t0 = time.perf_counter()
    with session_scope() as db:
        counts, _ = service.history_counts(db, until=utcnow())
    out = {"year": a.year, "keys": len(counts), **predict.backtest(counts, year=a.year),
           "seconds": round(time.perf_counter() - t0, 3), "load": os.getloadavg()[0]}
    print(json.dumps(out, ensure_ascii=False) if a.json else json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
