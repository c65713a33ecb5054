"""Demand kind, urgency and emergency rules, and the first-level lexicon, on texts written like real ones.

The texts are invented for these tests (no real message is copied); each case is one the old
first-match rules got wrong.
"""

from __future__ import annotations

import pytest

from hotline.city.loader import load_city
from hotline.city.schema import CityFile, Kind
from hotline.routing.catalogue import score_top_levels
from hotline.routing.rules import read_flags, read_kind


@pytest.fixture(scope="module")
def city() -> CityFile:
    return load_city()


@pytest.mark.parametrize(("text", "kind"), [
    # a plain question that mentions 至今 was 投诉 (the walk's case)
    ("孩子户口的问题\n孩子明年上小学，户口至今还在老家，请问需要准备什么材料？", Kind.consultation),
    # a complaint that thanks the reader was 表扬
    ("小区楼下烧烤店油烟扰民\n感谢您百忙之中看我的留言。楼下烧烤店每晚油烟直排，多次反映无果。", Kind.complaint),
    # a title that proposes, over a body that asks when
    ("建议增开一条公交线路到新区\n新区居民几千人，只有一趟车，什么时候能增加线路？", Kind.suggestion),
    ("举报某村聚众赌博\n村里有一处民房长期聚众赌博，请有关部门查处。", Kind.report),
    ("家里生活困难，该怎么办\n我今年六十岁，无房无收入，身体残疾，申请低保一直没有结果，我该怎么办？", Kind.help),
    ("表扬社区工作人员\n社区的工作人员帮我们解决了楼道漏水的问题，特此感谢，给他们点个赞！", Kind.praise),
])
def test_kind_on_real_like_texts(text: str, kind: Kind) -> None:
    assert read_kind(text)[0] == kind


def test_a_long_complaint_with_one_question_stays_a_complaint() -> None:
    body = "我们是某小区的业主，开发商承诺的车位至今没有兑现，" * 12 + "请问这合理吗？"
    assert len(body) > 300
    got, words = read_kind("开发商不兑现承诺\n" + body)
    assert got == Kind.complaint and words


def test_emergency_needs_the_present_in_a_long_letter(city: CityFile) -> None:
    filler = "我家的宅基地被邻居占用，村委会不管。" * 8
    story = filler + "二〇一三年村里有人砍人，此事早已处理。" + filler
    assert read_flags(city, "关于宅基地纠纷\n" + story).emergency is None
    assert read_flags(city, "楼下有人持刀砍人，快来！").emergency == "110"
    assert read_flags(city, "关于宅基地纠纷\n" + story + "刚刚他又拿刀砍人了，正在楼下！").emergency == "110"


def test_urgency_reads_the_present(city: CityFile) -> None:
    past = "小区的问题很多：" + "物业服务差、绿化没人管。" * 12 + "前年停电过一次。" + "物业服务差、绿化没人管。" * 4
    assert read_flags(city, "物业问题\n" + past).urgent is False
    assert read_flags(city, "村里已经三天没水用了\n村里几十户人家从周一起没水用，老人孩子喝不上水。").urgent is True


def test_lexicon_counts_the_longer_word(city: CityFile) -> None:
    ev = score_top_levels(city, "我父亲的医疗保险报销比例是多少？")
    assert "05" in ev and "医疗保险" in ev["05"].words
    assert "07" not in ev or "医疗" not in ev["07"].words
    ev = score_top_levels(city, "小区物业不作为，业主多次反映电梯故障没人修")
    assert max(ev, key=lambda c: ev[c].score) == "01"
    ev = score_top_levels(city, "计生办说超生要交社会抚养费才能上户口")
    assert max(ev, key=lambda c: ev[c].score) == "07"
