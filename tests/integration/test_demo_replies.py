"""The demo seed completes its orders through the real reply-quality check, so a generated reply that the
check scores perfunctory stops ``hotline demo`` on a fresh machine (it did: the lift leaves moved the
generator's draws onto a title that rq-2 read as pushing the citizen away). Every reply template, on every
demand the generator writes for the demo city, must pass the check."""

from __future__ import annotations

import random

from hotline.city.service import current_city
from hotline.demo import seed
from hotline.demo.texts import generate_demands
from hotline.replies.service import quality


class _Pick(random.Random):
    """``rng.choice`` that takes template ``k``."""

    def __init__(self, k: int) -> None:
        super().__init__(0)
        self.k = k

    def choice(self, seq):  # type: ignore[no-untyped-def, override]
        return seq[self.k]


def test_every_demo_reply_template_passes_the_check_on_every_generated_demand() -> None:
    flagged = []
    for s in (0, 1):
        for d in generate_demands(current_city(), 1500, seed=s):
            for k in range(3):
                text = seed._reply_text(d, _Pick(k))
                sc = quality.score(reply=text, message=d.content, subject=d.title)
                if sc.flag:
                    flagged.append((k, d.title, [r.zh for r in sc.reasons]))
    assert not flagged, flagged[:5]
