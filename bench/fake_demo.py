"""How many completions in the demo's seeded history the citizen's word flags as suspected fake (疑似虚假办结).

    python bench/fake_demo.py          # seeds a scratch SQLite database (a few minutes on the shared VM), prints
    python bench/fake_demo.py --json
    python bench/fake_demo.py --url sqlite:////tmp/demo.db   # an already seeded database, read only

The demo seed (hotline.demo.seed) drives 300 orders through the real flows, callbacks included: about one
callback in ten finds the matter unsolved.  A case is raised when the citizen says unsolved (or calls again
about the same matter within the window) while the unit's last reply said it was solved.  Baseline from the
same run: the callback review queue as it was before, every evaluation that is unsolved or dissatisfied.
The two cases the demo seeds by hand (hotline/demo/verification.py) are counted apart.
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
    ap.add_argument("--url", help="read an already seeded database instead of seeding one")
    a = ap.parse_args()
    url = a.url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'demo.sqlite3'}"
    os.environ["HOTLINE_DATABASE_URL"] = url
    from hotline.config import get_settings

    get_settings.cache_clear()
    from sqlalchemy import select

    from hotline import registry
    from hotline.callbacks.models import Evaluation
    from hotline.city.service import current_city
    from hotline.cli import _upgrade
    from hotline.db import session_scope
    from hotline.demo.seed import seed_demo
    from hotline.demo.verification import CASES
    from hotline.orders.models import OrderEvent
    from hotline.replies.models import ReplyFlag
    from hotline.replies.service import claims_solved

    registry.install()
    if not a.url:
        _upgrade()
        with session_scope() as db:
            seed_demo(db, current_city(), orders=a.orders)
    hand = {c["title"] for c in CASES}
    with session_scope() as db:
        completions = db.scalars(select(OrderEvent.id).where(OrderEvent.action == "complete")).all()
        from hotline.orders.models import Order

        hand_ids = set(db.scalars(select(Order.id).where(Order.title.in_(hand))))
        evals = [e for e in db.scalars(select(Evaluation)) if e.order_id not in hand_ids]
        cases = [f for f in db.scalars(select(ReplyFlag).where(ReplyFlag.kind == "suspected_fake"))]
        history = [f for f in cases if f.order.title not in hand]
        by_trigger = Counter(f.trigger for f in history)
        unsolved = [e for e in evals if not e.solved]
        review = [e for e in evals if not e.solved or e.satisfaction == "dissatisfied"]
        claimed = sum(1 for f in history if f.claim_reply is not None and claims_solved(f.claim_reply.content))
        units = Counter(f.unit.name for f in history)
    res = {"orders": a.orders if not a.url else None, "completions": len(completions), "evaluations": len(evals),
           "evaluations_unsolved": len(unsolved), "baseline_review_queue": len(review),
           "suspected_fake_cases": len(history), "by_trigger": dict(by_trigger), "reply_claimed_solved": claimed,
           "unsolved_reply_not_claiming_solved": len(unsolved) - by_trigger.get("callback", 0),
           "hand_seeded_cases": len(cases) - len(history), "units": dict(units.most_common(5))}
    if a.json:
        print(json.dumps(res, ensure_ascii=False))
        return
    from _common import header

    header("suspected fake completion · demo seeded history")
    print(f"completions: {len(completions)} (the home city's); callbacks with a result: {len(evals)} (unsolved {len(unsolved)})")
    print(f"baseline, the callback review queue (unsolved or dissatisfied): {len(review)}")
    print(f"suspected fake cases raised (unit said solved, citizen says not): {len(history)} {dict(by_trigger)}")
    print(f"unsolved callbacks whose reply did not say solved (no case): {len(unsolved) - by_trigger.get('callback', 0)}")
    print(f"hand-seeded cases (hotline/demo/verification.py): {len(cases) - len(history)}")
    print(f"units: {dict(units.most_common(5))}")


if __name__ == "__main__":
    main()
