"""Erlang C staffing arithmetic: pure functions, no database.

Why Erlang C: it is the textbook model call centres use to turn a forecast
(calls per hour, average handle time) into the number of agents needed for a
service level such as "80 % of calls answered within 20 s" or the GB/T 33358
"answered within 15 s".  It assumes Poisson arrivals, exponential handle times
and callers who never hang up, so it is slightly pessimistic where callers
abandon — which is the safe side for staffing.

Connection-rate targets (接通率) are approximated with a fixed caller patience:
a caller abandons when the wait exceeds ``patience_s``, so
``connection ≈ 1 − P(wait > patience)``.  This is documented in docs/channels.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def traffic_erlangs(calls_per_hour: float, aht_s: float) -> float:
    """Offered load A in Erlangs: arrival rate × average handle time."""
    if calls_per_hour < 0 or aht_s <= 0:
        raise ValueError("calls_per_hour must be ≥ 0 and aht_s > 0")
    return calls_per_hour * aht_s / 3600.0


def erlang_b(traffic: float, agents: int) -> float:
    """Blocking probability of Erlang B, by the stable recurrence B(n) = A·B(n−1) / (n + A·B(n−1))."""
    if agents < 0:
        raise ValueError("agents must be ≥ 0")
    b = 1.0
    for n in range(1, agents + 1):
        b = traffic * b / (n + traffic * b)
    return b


def erlang_c(traffic: float, agents: int) -> float:
    """Probability that a caller has to wait (Erlang C).  1.0 when the queue is unstable (A ≥ N)."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    b = erlang_b(traffic, agents)
    return agents * b / (agents - traffic * (1 - b))


def service_level(traffic: float, agents: int, target_s: float, aht_s: float) -> float:
    """Share of calls answered within ``target_s`` seconds."""
    if traffic <= 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    return 1.0 - erlang_c(traffic, agents) * math.exp(-(agents - traffic) * target_s / aht_s)


def average_speed_of_answer(traffic: float, agents: int, aht_s: float) -> float:
    """ASA in seconds (mean wait over all calls); infinity when the queue is unstable."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return math.inf
    return erlang_c(traffic, agents) * aht_s / (agents - traffic)


def connection_rate(traffic: float, agents: int, aht_s: float, patience_s: float) -> float:
    """Approximate 接通率: callers who would still be waiting after ``patience_s`` hang up."""
    return service_level(traffic, agents, patience_s, aht_s)


@dataclass(frozen=True)
class Staffing:
    calls_per_hour: float
    traffic: float
    agents: int
    service_level: float
    connection_rate: float
    asa_s: float
    occupancy: float


def agents_needed(calls_per_hour: float, aht_s: float, *, target_sl: float = 0.8, target_s: float = 15,
                  target_connection: float | None = None, patience_s: float = 60,
                  max_occupancy: float = 0.9, max_agents: int = 2000) -> Staffing:
    """The fewest agents meeting every target (service level, optional connection rate, occupancy)."""
    if not 0 < target_sl < 1 or (target_connection is not None and not 0 < target_connection < 1):
        raise ValueError("targets must be between 0 and 1")
    a = traffic_erlangs(calls_per_hour, aht_s)
    n = max(1, math.floor(a) + 1) if a > 0 else 0
    while n <= max_agents:
        sl = service_level(a, n, target_s, aht_s)
        conn = connection_rate(a, n, aht_s, patience_s)
        occ = a / n if n else 0.0
        if sl >= target_sl and (target_connection is None or conn >= target_connection) and occ <= max_occupancy:
            return Staffing(calls_per_hour, a, n, sl, conn, average_speed_of_answer(a, n, aht_s), occ)
        n += 1
    raise ValueError("no feasible staffing within max_agents")


def staffing_plan(volumes: list[float], aht_s: float, **targets: float | None) -> list[Staffing]:
    """One ``Staffing`` per forecast hour (e.g. 24 values for a day)."""
    return [agents_needed(v, aht_s, **targets) for v in volumes]  # type: ignore[arg-type]
