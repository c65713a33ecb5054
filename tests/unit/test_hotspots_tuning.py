"""The threshold rule (``hotline.hotspots.tuning.choose``): direction, the minimum of corrections, the bounded
step and the clamp; and the corrections' scores are the grouping's own edge scores (defined once)."""

from __future__ import annotations

from typing import Any

from hotline.hotspots import grouping, tuning

DEFAULT = grouping.THRESHOLD
FAR_APART = [0.1, 0.12, 0.15, 0.18, 0.2, 0.22, 0.25, 0.27, 0.3, 0.3]


def _settle(same: list[float], different: list[float], start: float = DEFAULT) -> list[float]:
    """The thresholds of successive learnings from the same corrections (one per re-grouping)."""
    out, t = [], start
    for _ in range(10):
        t = tuning.choose(same, different, current=t).threshold
        out.append(t)
    return out


def test_same_matter_pairs_below_the_threshold_lower_it_in_bounded_steps() -> None:
    same = [0.52, 0.53, 0.55, 0.57, 0.58] * 2
    c = tuning.choose(same, FAR_APART, current=DEFAULT)
    assert c.target == 0.52  # the smallest move that keeps every judged pair right
    assert c.threshold == round(DEFAULT - tuning.MAX_STEP, 2)  # one step at a time
    assert _settle(same, FAR_APART)[-1] == 0.52


def test_different_matter_pairs_above_the_threshold_raise_it() -> None:
    different = [0.62, 0.64, 0.65, 0.66, 0.68] * 2
    same = [0.8, 0.82, 0.85, 0.9, 0.95] * 2
    c = tuning.choose(same, different, current=DEFAULT)
    assert c.target == 0.69 and c.threshold == 0.65
    assert _settle(same, different)[-1] == 0.69


def test_corrections_the_default_already_gets_right_move_nothing() -> None:
    c = tuning.choose([0.7, 0.75, 0.8, 0.9, 0.95] * 2, FAR_APART, current=DEFAULT)
    assert c.target == DEFAULT and c.threshold == DEFAULT


def test_too_few_corrections_on_either_side_change_nothing() -> None:
    few = [0.5] * (tuning.MIN_EACH - 1)
    assert tuning.choose(few, FAR_APART, current=0.58) == tuning.Choice(0.58, None, len(few), len(FAR_APART))
    assert tuning.choose([0.5] * 20, FAR_APART[:tuning.MIN_EACH - 1], current=DEFAULT).threshold == DEFAULT


def test_the_clamp_holds_both_ways() -> None:
    assert min(_settle([0.1, 0.12, 0.2, 0.3, 0.35] * 2, [0.0, 0.01, 0.02, 0.03, 0.05] * 2)) == tuning.LOW
    assert max(_settle([0.99] * 10, [0.9, 0.92, 0.95, 0.97, 0.98] * 2)) == tuning.HIGH
    assert tuning.choose([0.5] * 10, FAR_APART, current=0.9).threshold == tuning.HIGH  # a stored value out of range


def test_overlapping_corrections_take_the_fewest_balanced_errors() -> None:
    same = [0.5, 0.55, 0.7, 0.8] + [0.9] * 16  # many "same" from one large merge …
    different = [0.52, 0.52, 0.3, 0.3, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1]  # … do not outweigh the few "different"
    c = tuning.choose(same, different, current=DEFAULT)
    assert c.target is not None and 0.53 <= c.target <= 0.55


def test_the_corrections_are_scored_exactly_as_the_grouping_scores_its_edges() -> None:
    texts = [("丽发新城搅拌站噪音扰民", "丽发新城小区旁边的搅拌站每天早上六点开始轰鸣，灰尘很大。"),
             ("投诉丽发新城附近搅拌站噪音", "丽发新城小区附近的搅拌站日夜施工，噪音和扬尘污染严重。"),
             ("沙河村桥头路灯不亮", "沙河村桥头的路灯已经坏了一周，晚上路过很危险。"),
             ("沙河村桥头路灯坏了", "沙河村桥头那盏路灯一直不亮，晚上路过很危险，请修复路灯。"),
             ("咨询人才购房补贴", "应届硕士想咨询人才购房补贴需要哪些材料。")]
    items = [grouping.Item(id=str(k), text=f"{t}\n{c}", title=t) for k, (t, c) in enumerate(texts)]
    sc, prepared = grouping.prepare(items)
    edges = grouping.scored_edges(items, sc, prepared)
    assert edges
    pairs = sorted(edges)
    got = grouping.similarity(items, sc, prepared, pairs)
    assert all(abs(float(g) - edges[p]) < 1e-6 for g, p in zip(got, pairs, strict=True))


#: a window's uncorrected candidate pairs: most far apart, a good share near the threshold on both sides
QUO = [0.1 + 0.0015 * k for k in range(200)] + [0.45 + 0.0025 * k for k in range(60)] + [0.6 + 0.0025 * k for k in range(60)]


def test_corrections_of_mistakes_only_do_not_move_it_past_the_pairs_nobody_corrected() -> None:
    """What a leader really corrects: every "same" pair below the threshold, every "different" one above.
    Among the corrections alone any move looks free (the rule before went to the clamp); the uncorrected
    pairs near the threshold keep it."""
    same = [0.46, 0.48, 0.5, 0.52, 0.53, 0.55, 0.56, 0.57, 0.58, 0.59]
    different = [0.6, 0.61, 0.62, 0.63, 0.64, 0.66, 0.68, 0.7, 0.72, 0.74]
    assert _settle(same, different)[-1] != DEFAULT  # the old rule: no prior, it moves
    c = tuning.choose(same, different, current=DEFAULT, uncorrected=QUO)
    assert c.target == DEFAULT and c.threshold == DEFAULT


def test_a_threshold_that_is_wrong_for_the_data_still_moves_with_the_status_quo() -> None:
    """From 0.70, corrections that it mostly gets right (a sample of the whole, not only its mistakes) and
    many "same" pairs at 0.60–0.70 it leaves apart: it still comes down, in bounded steps."""
    same = [0.6, 0.62, 0.63, 0.64, 0.65, 0.66, 0.68, 0.69, 0.75, 0.8, 0.85, 0.9]
    different = [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55]
    out, t = [], 0.7
    for _ in range(10):
        t = tuning.choose(same, different, current=t, uncorrected=QUO).threshold
        out.append(t)
    assert out[0] == 0.65 and out[-1] == 0.6



def test_learning_takes_the_status_quo_from_the_edges_no_link_names(monkeypatch: Any) -> None:
    """The re-grouping's scored edges are the status quo, less the corrections and the other links (their
    decision does not follow the threshold)."""
    seen: dict[str, Any] = {}
    monkeypatch.setattr(tuning, "in_force", lambda db: tuning.InForce(DEFAULT, DEFAULT, "default"))
    monkeypatch.setattr(tuning, "record", lambda db, choice, now: None)
    monkeypatch.setattr(grouping, "similarity", lambda items, sc, prepared, pairs: [0.5] * len(pairs))

    def spy(same: Any, different: Any, **kw: Any) -> tuning.Choice:
        seen.update(kw)
        return tuning.Choice(DEFAULT, None, len(same), len(different))

    monkeypatch.setattr(tuning, "choose", spy)
    edges = {(0, 1): 0.55, (1, 2): 0.58, (2, 3): 0.62, (3, 4): 0.3}
    tuning.learn(None, [], None, [], [(1, 0, True)], now=None, edges=edges, linked=[(4, 3)])  # type: ignore[arg-type]
    assert sorted(seen["uncorrected"]) == [0.58, 0.62]
