"""Realistic call traffic for the demo: a daily and hourly curve, queueing, some abandoned calls.

Volumes follow a 12345 centre's usual shape (quiet nights, a morning peak at
9–11, an afternoon peak at 14–17, fewer calls at weekends).  Each hour is
staffed a little under what Erlang C asks for at the busy hours, so the
dashboard shows what under-staffing looks like; waits are drawn from the
Erlang C wait distribution and callers hang up when their patience runs out.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from hotline.city.service import city_tz
from hotline.db import utcnow
from hotline.telephony import erlang
from hotline.telephony.models import CallRecord

HOURLY_SHARE = [0.4, 0.25, 0.2, 0.15, 0.2, 0.4, 1.2, 3.0, 6.5, 8.8, 9.0, 8.0, 5.5, 5.2, 7.6, 8.2, 7.8,
                6.4, 4.2, 3.4, 3.0, 2.6, 1.8, 1.0]


def simulate_calls(*, days: int, calls_per_day: int = 1200, aht_s: float = 330, patience_s: float = 70,
                   seed: int = 12345, end: datetime | None = None, agents: list[str] | None = None
                   ) -> list[CallRecord]:
    rng = random.Random(seed)
    end = (end or utcnow()).astimezone(city_tz()).replace(minute=0, second=0, microsecond=0)
    start_day = (end - timedelta(days=days)).replace(hour=0)
    total_share = sum(HOURLY_SHARE)
    out: list[CallRecord] = []
    agents = agents or ["operator1", "operator2"]
    for d in range(days + 1):
        day = start_day + timedelta(days=d)
        weekend = day.weekday() >= 5
        day_volume = calls_per_day * (0.6 if weekend else 1.0) * rng.uniform(0.85, 1.15)
        for hour in range(24):
            slot = day.replace(hour=hour)
            if slot >= end:
                break
            lam = day_volume * HOURLY_SHARE[hour] / total_share
            n_calls = max(0, int(rng.gauss(lam, math.sqrt(lam) if lam else 0)))
            planned = erlang.agents_needed(max(lam, 0.1), aht_s, target_sl=0.9, target_s=15).agents
            staff = max(1, planned - (1 if HOURLY_SHARE[hour] > 7 else 0))
            a = erlang.traffic_erlangs(n_calls, aht_s)
            p_wait = erlang.erlang_c(a, staff)
            mean_wait = aht_s / (staff - a) if staff > a else aht_s * 2
            for _ in range(n_calls):
                offered = slot + timedelta(seconds=rng.uniform(0, 3600))
                wait = rng.expovariate(1 / mean_wait) if rng.random() < p_wait else rng.uniform(2, 8)
                patience = rng.expovariate(1 / patience_s)
                cid = f"sim-{offered.strftime('%Y%m%d%H%M%S')}-{rng.randrange(10**6):06d}"
                caller = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
                if wait > patience and wait > 8:
                    out.append(CallRecord(call_id=cid, caller=caller, queue="12345", state="abandoned",
                                          offered_at=offered, abandoned_at=offered + timedelta(seconds=patience),
                                          wait_s=int(patience), source="simulator", updated_at=offered))
                    continue
                answered = offered + timedelta(seconds=wait)
                talk = max(30.0, rng.gauss(aht_s * 0.55, aht_s * 0.2))
                out.append(CallRecord(call_id=cid, caller=caller, queue="12345", state="ended",
                                      agent_username=rng.choice(agents), offered_at=offered,
                                      answered_at=answered, ended_at=answered + timedelta(seconds=talk),
                                      wait_s=int(wait), talk_s=int(talk), source="simulator",
                                      pop_dismissed=True, updated_at=offered))
    return out
