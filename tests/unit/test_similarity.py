"""The duplicate scorer, without a database: near-duplicates of one matter score above the
threshold, the same words at another place or a different matter score below, reasons are named."""

from __future__ import annotations

import random

import pytest

from hotline.city.loader import load_city
from hotline.demo.texts import generate_demands, generate_duplicate_cluster
from hotline.duplicates.settings import DuplicateRules
from hotline.duplicates.similarity import Doc, Scorer, bigram_jaccard, extract_places, fit_idf
from hotline.knowledge.cleaning import clean_reply


@pytest.fixture(scope="module")
def world():  # type: ignore[no-untyped-def]
    from pathlib import Path

    city = load_city(Path(__file__).resolve().parents[2] / "hotline" / "city" / "demo" / "city.yaml")
    demands = generate_demands(city, 600, seed=3)
    gaz = [r.name for r in city.roads]
    return city, demands, Scorer(fit_idf(f"{d.title}\n{d.content}" for d in demands), gaz)


def doc(d) -> Doc:  # type: ignore[no-untyped-def]
    return Doc(f"{d.title}\n{d.content}", d.address, d.territory_code, d.category_code)


def test_generated_duplicates_score_above_unrelated_pairs(world) -> None:  # type: ignore[no-untyped-def]
    city, demands, sc = world
    threshold = DuplicateRules().threshold
    rng = random.Random(1)
    dup_scores, other_scores = [], []
    for base in rng.sample(demands, 40):
        for twin in generate_duplicate_cluster(city, base, 2, seed=5):
            dup_scores.append(sc.score(doc(base), doc(twin)).score)
        other = rng.choice(demands)
        if other.content != base.content:
            other_scores.append(sc.score(doc(base), doc(other)).score)
    hit = sum(s >= threshold for s in dup_scores) / len(dup_scores)
    false = sum(s >= threshold for s in other_scores) / len(other_scores)
    assert hit >= 0.8 and false <= 0.05, (hit, false)


def test_reasons_and_place_matter() -> None:
    sc = Scorer(gazetteer=["新华路", "滨江路"])
    a = Doc("新华路的路灯不亮，晚上很黑", "新华路88号", "s-xinhua", "010203")
    b = Doc("新华路88号门口的路灯不亮了，一片漆黑", "新华路88号", "s-xinhua", "010203")
    c = Doc("滨江路路灯不亮，晚上很黑", "滨江路3号", "s-binjiang", "010203")
    ab, ac = sc.score(a, b), sc.score(a, c)
    assert ab.shared_places == ["新华路"] and ab.shared_words and ab.place == 1.0
    assert ac.place == 0.0 and ac.score < ab.score
    unknown = sc.score(Doc("路灯不亮"), Doc("路灯不亮"))
    assert unknown.place is None and unknown.category is None and unknown.score == pytest.approx(1.0)


def test_extract_places_prefers_city_names() -> None:
    assert extract_places("新华路路灯不亮", ["新华路"]) == frozenset({"新华路"})
    assert "丽发新城" in "".join(extract_places("投诉丽发新城附近建搅拌站噪音扰民"))


def test_baseline_and_cleaning() -> None:
    assert bigram_jaccard("路灯不亮", "路灯不亮") == 1.0 and bigram_jaccard("路灯", "噪音") == 0.0
    text = "网友“A0001”：您好！您的留言已收悉。现将有关情况回复如下：请到社区服务中心办理。感谢您的支持！2019年4月24日"
    assert clean_reply(text) == "请到社区服务中心办理。"


def test_reasons_on_demand_give_the_same_match() -> None:
    """A lookup scores every candidate without reasons and names them only for those shown."""
    sc = Scorer(gazetteer=["新华路"])
    a = sc.prepare(Doc("新华路的路灯不亮，晚上很黑，路灯杆也歪了", "新华路88号"))
    b = sc.prepare(Doc("新华路88号门口的路灯不亮了，路灯杆歪斜，一片漆黑", "新华路88号"))
    full, bare = sc.compare(a, b), sc.compare(a, b, reasons=False)
    assert bare.shared_words == [] and full.shared_words
    assert (bare.score, bare.text, bare.place, bare.shared_places) == (full.score, full.text, full.place,
                                                                       full.shared_places)
    assert sc.shared_words(a, b, full.shared_places) == full.shared_words
