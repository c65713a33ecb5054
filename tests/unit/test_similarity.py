"""The duplicate scorer, without a database: near-duplicates of one matter score above the
threshold, the same words at another place or a different matter score below, reasons are named."""

from __future__ import annotations

import random

import pytest

from hotline.city.loader import load_city
from hotline.demo.texts import generate_demands, generate_duplicate_cluster
from hotline.duplicates.settings import DuplicateRules
from hotline.duplicates.similarity import Doc, Scorer, bigram_jaccard, districts, extract_places, fit_idf
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
    assert unknown.place is None and unknown.category is None and unknown.score >= DuplicateRules().threshold


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


TEMPLATE = "小区临街门面烧烤夜宵摊24小时经营，油烟扰民，楼下店里面没有烟道，请求依法处理。"


def test_same_words_at_another_community_are_not_the_same_matter() -> None:
    """Real callers copy one complaint to several compounds: the place decides (issue #14)."""
    sc = Scorer()
    a = Doc("A5区劳动东路魅力之城" + TEMPLATE)
    twin = Doc("魅力之城小区楼下烧烤摊、夜宵摊通宵营业，油烟熏人，没有烟道，请政府处理。")
    other = Doc("A3区梅溪湖看云路润芳园" + TEMPLATE)
    same, diff = sc.score(a, twin), sc.score(a, other)
    t = DuplicateRules().threshold
    assert same.score >= t and "魅力之城" in "".join(same.shared_places), same
    assert diff.score < t and diff.place == 0.0 and diff.text > 0.6, diff


def test_place_specificity_comes_from_the_city_statistics() -> None:
    """A place word half the city's orders use (我们小区) is not evidence; a rare compound name is."""
    corpus = [f"我们小区第{i}栋门口垃圾没人清理" for i in range(40)] + ["丽发新城附近建搅拌站"] * 2
    sc = Scorer(fit_idf(corpus))
    assert sc.specificity("我们小区") < 0.5 <= sc.specificity("丽发新城")
    a = sc.prepare(Doc("我们小区门口的垃圾站太臭了"))
    b = sc.prepare(Doc("我们小区的停车位被外来车辆占用"))
    assert sc.compare(a, b).shared_places == []


def test_districts_are_read_from_the_text() -> None:
    assert districts("座落在A市A3区联丰路米兰春天G2栋320") == frozenset({"A3区"})
    assert districts("A7县榔梨镇；芙蓉区五一路") == frozenset({"A7县", "芙蓉区"})
    assert districts("我们小区和新村社区，全区") == frozenset()
    sc = Scorer()
    a, b = Doc("A3区人民路的垃圾站很臭，无人清理"), Doc("A5区人民路的垃圾站很臭，无人清理")
    assert sc.score(a, b).place == 0.0 and sc.score(a, b).score < sc.score(a, a).score


def test_the_scorer_imports_nothing_from_the_demo() -> None:
    import subprocess
    import sys

    code = ("import sys, hotline.models, hotline.duplicates.index as i, hotline.duplicates.service, "
            "hotline.duplicates.cli; i.scorer(); "
            "print([m for m in sys.modules if m.startswith('hotline.demo.')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
