"""The grouping honours a person's corrections: must-link pairs are joined, cannot-link pairs never are."""

from __future__ import annotations

from hotline.hotspots.grouping import link


def test_must_link_joins_what_the_scores_keep_apart() -> None:
    assert len(set(link(3, {}, 0.6, 0.3))) == 3
    label = link(3, {}, 0.6, 0.3, must=[(0, 2)])
    assert label[0] == label[2] != label[1]


def test_cannot_link_stops_a_merge_the_scores_would_make() -> None:
    edges = {(0, 1): 0.9, (1, 2): 0.9, (0, 2): 0.9}
    assert len(set(link(3, edges, 0.6, 0.3))) == 1
    label = link(3, edges, 0.6, 0.3, cannot=[(0, 2)])
    assert label[0] != label[2]  # never one group, whatever the chain through 1
    assert label[1] in (label[0], label[2])


def test_a_must_link_that_would_join_a_cannot_pair_is_refused() -> None:
    label = link(3, {}, 0.6, 0.3, must=[(0, 1), (1, 2)], cannot=[(0, 2)])
    assert label[0] == label[1] and label[2] != label[0]
