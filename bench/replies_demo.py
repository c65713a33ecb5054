"""How many completions in the demo's seeded history the reply-quality check would have stopped.

    python bench/replies_demo.py          # seeds a scratch SQLite database (about a minute), prints the figures
    python bench/replies_demo.py --json

The demo seed (hotline.demo.seed) drives 300 orders through the real flows.  Here it runs with the
check's refusal switched off, so the history is what it would be without the check; the scores are
still recorded on every completion (``reply_quality`` on the 办结 event), and we count the ones
scored perfunctory — the completions the check would have refused without a written override.
Also printed: the quality of every scored reply, and the open flags on replies awaiting review.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--orders", type=int, default=300)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp()) / "demo.sqlite3"
    os.environ["HOTLINE_DATABASE_URL"] = f"sqlite:///{tmp}"
    from hotline.config import get_settings

    get_settings.cache_clear()
    from sqlalchemy import select

    from hotline import registry
    from hotline.city.service import current_city
    from hotline.cli import _upgrade
    from hotline.db import session_scope
    from hotline.demo.seed import seed_demo
    from hotline.orders import flows as order_flows
    from hotline.orders.enums import Action
    from hotline.orders.models import OrderEvent
    from hotline.replies.flows import _check_complete
    from hotline.replies.models import ReplyFlag, ReplyScore

    registry.load_all()
    _upgrade()
    checks = order_flows._PRE_CHECKS.get(Action.complete, [])
    checks[:] = [c for c in checks if c is not _check_complete]  # the history as it was made without the check
    with session_scope() as db:
        seed_demo(db, current_city(), orders=a.orders)
    with session_scope() as db:
        done = list(db.scalars(select(OrderEvent).where(OrderEvent.action == "complete")))
        scored = [e.data.get("reply_quality") for e in done if e.data and e.data.get("reply_quality")]
        stopped = sum(1 for q in scored if q["flag"])
        levels = Counter(s.quality for s in db.scalars(select(ReplyScore)))
        flags = Counter(f.state for f in db.scalars(select(ReplyFlag)))
    res = {"orders": a.orders, "completions": len(done), "completions_scored": len(scored),
           "would_have_been_stopped": stopped, "reply_levels": {str(k): levels[k] for k in (2, 1, 0)},
           "flags": dict(flags)}
    if a.json:
        print(json.dumps(res, ensure_ascii=False))
        return
    from _common import header

    header("reply quality · demo seeded history")
    print(f"completions in the seeded history: {len(done)} (scored {len(scored)})")
    print(f"would have been stopped by the check (reply scored perfunctory): {stopped}")
    print(f"every scored reply: substantive {levels[2]}, partial {levels[1]}, perfunctory {levels[0]}")
    print(f"flags raised: {dict(flags)}")


if __name__ == "__main__":
    main()
