"""Hot matters (issue #16): the grouping the CLI and the platform share — every id once, same matter
together, copies about another place apart, no chaining, the time window, the heat formula, the CLI."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hotline.hotspots import grouping

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
MIXER = [
    "丽发新城小区旁边建搅拌站，噪音扰民\n暮云街道丽发新城小区旁边违建搅拌站，每天早上六点开始轰鸣，灰尘很大，严重影响居民休息。",
    "投诉丽发新城附近搅拌站噪音\n丽发新城小区附近的搅拌站日夜施工，噪音和扬尘污染严重，请相关部门尽快处理搅拌站。",
    "丽发新城搅拌站彻夜扰民\n我是丽发新城小区业主，小区旁的搅拌站彻夜运转，噪音扬尘，老人小孩无法休息。",
]
OTHER = [
    "金茂悦小区门口夜宵摊油烟\n梅溪湖金茂悦小区门口的烧烤夜宵摊油烟直排，每天到凌晨两点，居民无法开窗。",
    "申请开通洋湖湿地公园直达公交\n从火车站到洋湖湿地公园没有直达公交，建议增加一条公交线路方便游客。",
    "咨询人才购房补贴申请条件\n我是应届硕士毕业生，想咨询人才新政购房补贴需要哪些材料，社保是否要满一年。",
    "诺亚山林小区门口不能设医院\n坚决反对在诺亚山林小区门口设置眼科医院，医院污水和人流会影响小区居民生活。",
    "县城中心路段路灯不亮\n县城人民中路从十字路口到汽车站一段路灯已经坏了一个月，晚上漆黑一片，请修复路灯。",
]


def _items(texts: list[str], start: datetime = T0, step: timedelta = timedelta(hours=5)) -> list[grouping.Item]:
    return [grouping.Item(id=f"m{k}", text=t, time=start + k * step, likes=k, caller=f"u{k}")
            for k, t in enumerate(texts)]


def _where(groups: list[grouping.Group]) -> dict[str, int]:
    return {i: k for k, g in enumerate(groups) for i in g.ids}


def test_every_id_is_in_exactly_one_group_and_the_same_matter_is_together() -> None:
    items = _items(MIXER + OTHER)
    groups = grouping.group(items)
    ids = [i for g in groups for i in g.ids]
    assert sorted(ids) == sorted(it.id for it in items)  # each once: singletons are groups too
    where = _where(groups)
    assert where["m0"] == where["m1"] == where["m2"]
    assert len({where[f"m{k}"] for k in range(3, 8)} | {where["m0"]}) == 6  # the others stay apart
    hot = groups[0]  # the three-caller matter is the hottest
    assert sorted(hot.ids) == ["m0", "m1", "m2"] and hot.volume == 3
    assert "丽发新城" in hot.name and "搅拌站" in hot.name
    assert hot.first == T0 and hot.last == T0 + timedelta(hours=10)


def test_a_complaint_copied_to_another_compound_is_another_matter() -> None:
    """One citizen pasted the same text for two compounds: the place conflict keeps them apart."""
    a = "临街烧烤油烟扰民\n金茂悦小区临街门面烧烤店油烟直排，每天晚上到凌晨，居民无法开窗，请城管处理油烟。"
    texts = [a, a.replace("金茂悦", "青青家园"), a.replace("金茂悦", "魅力之城"), MIXER[0], OTHER[1]]
    where = _where(grouping.group(_items(texts)))
    assert len({where["m0"], where["m1"], where["m2"]}) == 3


def test_average_linkage_does_not_chain_two_matters_through_one_message() -> None:
    """Matter A is 0–2, matter B 3–5; message 6 names both (strong to all of A, to 3 and 4 of B).
    Linking every pair above the threshold (components) makes one group of everything; average
    linkage keeps A and B apart and puts 6 with one of them."""
    edges = {(i, j): 0.8 for g in ((0, 1, 2), (3, 4, 5)) for i in g for j in g if i < j}
    edges |= {(0, 6): 0.9, (1, 6): 0.85, (2, 6): 0.85, (3, 6): 0.7, (4, 6): 0.7}
    components = grouping.link(7, edges, grouping.THRESHOLD, 0.0)
    assert len(set(components)) == 1
    label = grouping.link(7, edges, grouping.THRESHOLD, grouping.LINKAGE)
    assert label[0] == label[1] == label[2] == label[6]
    assert label[3] == label[4] == label[5] != label[0]


def test_demands_further_apart_than_the_window_are_not_linked() -> None:
    items = _items(MIXER[:2] + OTHER, step=timedelta(days=40))
    assert _where(grouping.group(items, window_days=30))["m0"] != _where(grouping.group(items, window_days=30))["m1"]
    assert _where(grouping.group(items, window_days=60))["m0"] == _where(grouping.group(items, window_days=60))["m1"]


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate id"):
        grouping.group([grouping.Item("x", MIXER[0]), grouping.Item("x", MIXER[1])])


def test_heat_rises_with_volume_growth_likes_repeats_and_dissatisfaction() -> None:
    base = dict(volume=5, growth=0.0, likes=0, repeats=0, dissatisfied=0.0)
    h = grouping.heat_index(**base)  # type: ignore[arg-type]
    assert h == round(10 * 1.791759469228055, 1)  # 10 × ln 6
    for key, value in (("volume", 6), ("growth", 1.0), ("likes", 10), ("repeats", 2), ("dissatisfied", 0.5)):
        assert grouping.heat_index(**{**base, key: value}) > h, key  # type: ignore[arg-type]
    assert grouping.heat_index(**{**base, "growth": 9.0}) == grouping.heat_index(**{**base, "growth": 3.0})  # type: ignore[arg-type]


def test_growth_counts_the_last_week_against_the_week_before() -> None:
    now = T0 + timedelta(days=14)
    times = [now - timedelta(days=d) for d in (1, 2, 3, 4, 10)]
    assert grouping._growth(times, now) == 3.0  # 4 this week against 1 the week before
    assert grouping._growth([now - timedelta(days=9)], now) == 0.0


def test_pairwise_counts_together_and_apart() -> None:
    gs = [grouping.Group(ids=["a", "b"], name="", heat=0), grouping.Group(ids=["c"], name="", heat=0)]
    m = grouping.pairwise(gs, [("a", "b", 1), ("a", "c", 1), ("b", "c", 0), ("a", "zz", 1)])
    assert m == {"pairs": 3, "precision": 1.0, "recall": 0.5, "f1": 0.6667}


def _csv(tmp_path: Path) -> Path:
    p = tmp_path / "msgs.csv"
    lines = ["编号,主题,详情,时间,点赞数,用户"]
    for k, t in enumerate(MIXER + OTHER):
        title, body = t.split("\n")
        lines.append(f"{100 + k},{title},{body},2019/2/{k + 1} 11:25:05,{k},u{k % 4}")
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_cli_prints_every_id_once_as_json(tmp_path: Path) -> None:
    from hotline.cli import app

    res = CliRunner().invoke(app, ["hotspots", "cluster", "--input", str(_csv(tmp_path)), "--id-column", "编号",
                                   "--text-columns", "主题,详情", "--time-column", "时间", "--likes-column", "点赞数",
                                   "--caller-column", "用户", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    ids = [i for c in out["clusters"] for i in c["ids"]]
    assert sorted(ids) == sorted(str(100 + k) for k in range(8))
    top = out["clusters"][0]
    assert sorted(top["ids"]) == ["100", "101", "102"] and isinstance(top["heat"], float) and top["name"]
    assert top["first"].startswith("2019-02-01T11:25:05+08:00")  # a time without a zone is the city's


def _flat(output: str) -> str:
    """The error box without its frame and line breaks (rich wraps it to the terminal's width)."""
    return re.sub(r"[\s│╭╮╰╯─]+", "", output)


def test_cli_explains_a_missing_column_and_an_unreadable_time_in_both_languages(tmp_path: Path) -> None:
    from hotline.cli import app

    p = _csv(tmp_path)
    res = CliRunner().invoke(app, ["hotspots", "cluster", "--input", str(p), "--id-column", "编号",
                                   "--text-columns", "标题", "--json"])
    assert res.exit_code == 2 and "文件缺少列" in _flat(res.output) and "hasnocolumn:标题" in _flat(res.output)
    p.write_text(p.read_text(encoding="utf-8").replace("2019/2/3 11:25:05", "上周三"), encoding="utf-8")
    res = CliRunner().invoke(app, ["hotspots", "cluster", "--input", str(p), "--id-column", "编号",
                                   "--text-columns", "主题,详情", "--time-column", "时间"])
    assert res.exit_code == 2 and "时间无法识别" in _flat(res.output) and "unreadabletime" in _flat(res.output)


def _run(*args: str):  # type: ignore[no-untyped-def]
    from hotline.cli import app

    return CliRunner().invoke(app, ["hotspots", "cluster", *args])


def test_cli_reads_a_gbk_file_as_excel_writes_it(tmp_path: Path) -> None:
    """It used to stop with a UnicodeDecodeError traceback."""
    p = tmp_path / "gbk.csv"
    p.write_bytes("编号,主题,详情\n1,丽发新城搅拌站噪音,丽发新城小区旁边搅拌站噪音扰民\n2,路灯不亮,人民路路灯不亮\n"
                  .encode("gbk"))
    res = _run("--input", str(p), "--id-column", "编号", "--text-columns", "主题,详情", "--json")
    assert res.exit_code == 0, res.output
    assert sorted(i for c in json.loads(res.output)["clusters"] for i in c["ids"]) == ["1", "2"]
    p.write_bytes(b"\xff\xfe\x00\xd8bad")
    res = _run("--input", str(p), "--id-column", "编号", "--text-columns", "主题")
    assert res.exit_code == 2 and "GB18030" in _flat(res.output)


def test_cli_takes_a_long_petition_and_refuses_a_malformed_file_without_a_traceback(tmp_path: Path) -> None:
    """A cell over csv's 131,072-character default used to end in a _csv.Error traceback."""
    p = tmp_path / "long.csv"
    p.write_text("编号,主题\n1,\"" + "路灯不亮，" * 40_000 + "\"\n2,井盖破损\n", encoding="utf-8")
    res = _run("--input", str(p), "--id-column", "编号", "--text-columns", "主题", "--json")
    assert res.exit_code == 0, res.output
    p.write_text("编号,主题\n1,\"" + "路" * 1_100_000 + "\"\n", encoding="utf-8")
    res = _run("--input", str(p), "--id-column", "编号", "--text-columns", "主题")
    assert res.exit_code == 2 and "CSV格式错误" in _flat(res.output) and "Traceback" not in res.output


def test_cli_refuses_years_no_demand_has_and_keeps_control_characters_out_of_names(tmp_path: Path) -> None:
    p = tmp_path / "edge.csv"
    p.write_text("编号,主题,时间\n1,路灯\x07不亮\x1b,2019-02-01 10:00:00\n2,井盖\x00破损,0001-01-01 00:00:00\n",
                 encoding="utf-8")
    res = _run("--input", str(p), "--id-column", "编号", "--text-columns", "主题", "--time-column", "时间")
    assert res.exit_code == 2 and "第3行时间无法识别" in _flat(res.output)
    p.write_text("编号,主题,时间\n1,路灯\x07不亮\x1b,2019-02-01 10:00:00\n2,井盖\x00破损,9999-12-31 00:00:00\n",
                 encoding="utf-8")
    assert _run("--input", str(p), "--id-column", "编号", "--text-columns", "主题", "--time-column",
                "时间").exit_code == 2
    p.write_text("编号,主题\n1,路灯\x07不亮\x1b\n2,井盖\x00破损\n", encoding="utf-8")
    res = _run("--input", str(p), "--id-column", "编号", "--text-columns", "主题", "--json")
    names = [c["name"] for c in json.loads(res.output)["clusters"]]
    assert sorted(names) == ["井盖破损", "路灯不亮"]
