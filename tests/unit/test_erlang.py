"""Erlang C against textbook values (A = 10 Erlangs: 200 calls/h × 180 s; 20-second target)."""

from __future__ import annotations

import math

import pytest

from hotline.telephony import erlang

# Erlang C waiting probabilities for A = 10 from standard tables, and the classic service levels.
TABLE = {11: (0.6821, 0.3896, 122.8), 12: (0.4494, 0.6402, 40.4), 13: (0.2853, 0.7956, 17.1),
         14: (0.1741, 0.8884, 7.8), 15: (0.1020, 0.9415, 3.7)}


def test_traffic() -> None:
    assert erlang.traffic_erlangs(200, 180) == pytest.approx(10.0)


def test_erlang_b_table_value() -> None:
    assert erlang.erlang_b(10, 10) == pytest.approx(0.2146, abs=1e-4)


@pytest.mark.parametrize(("agents", "expected"), list(TABLE.items()))
def test_erlang_c_service_level_and_asa(agents: int, expected: tuple[float, float, float]) -> None:
    pw, sl, asa = expected
    assert erlang.erlang_c(10, agents) == pytest.approx(pw, abs=1e-4)
    assert erlang.service_level(10, agents, 20, 180) == pytest.approx(sl, abs=1e-3)
    assert erlang.average_speed_of_answer(10, agents, 180) == pytest.approx(asa, abs=0.1)


def test_unstable_queue() -> None:
    assert erlang.erlang_c(10, 10) == 1.0
    assert erlang.service_level(10, 9, 20, 180) == 0.0
    assert math.isinf(erlang.average_speed_of_answer(10, 10, 180))
    assert erlang.erlang_c(0, 3) == 0.0


def test_agents_needed_meets_target_with_the_fewest_agents() -> None:
    s = erlang.agents_needed(200, 180, target_sl=0.8, target_s=20)
    assert s.agents == 14 and s.service_level >= 0.8
    assert erlang.service_level(10, 13, 20, 180) < 0.8  # one fewer would miss it
    strict = erlang.agents_needed(200, 180, target_sl=0.95, target_s=15)
    assert strict.agents > s.agents
    conn = erlang.agents_needed(200, 180, target_sl=0.5, target_s=15, target_connection=0.99, patience_s=60)
    assert conn.connection_rate >= 0.99
    assert erlang.agents_needed(0, 180).agents == 0


def test_bad_input() -> None:
    with pytest.raises(ValueError):
        erlang.agents_needed(100, 180, target_sl=1.5)
    with pytest.raises(ValueError):
        erlang.traffic_erlangs(-1, 180)


def test_plan_for_a_day() -> None:
    plan = erlang.staffing_plan([0, 30, 200], 180, target_sl=0.8, target_s=20)
    assert [p.agents for p in plan][0] == 0 and plan[2].agents == 14 and plan[1].agents < plan[2].agents
