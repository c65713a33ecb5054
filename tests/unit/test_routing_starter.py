"""The shipped starter model (入门模型): it loads, holds no text, maps to the city's branches by name,
obeys its switch, and is rebuilt the same way by its command.

The messages below are written for these tests (no real message is copied).
"""

from __future__ import annotations

import csv
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from hotline.city.loader import load_city
from hotline.city.schema import CityFile, RoutingOptions
from hotline.routing.starter.model import HERE, StarterModel, build, get_starter

NPZ = HERE / "starter.npz"
META = HERE / "starter.json"
CJK = re.compile("[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def city() -> CityFile:
    return load_city()


def test_the_shipped_starter_loads_with_the_demo_citys_first_level_names(city: CityFile) -> None:
    starter = get_starter()
    assert starter is not None and get_starter() is starter  # loaded once, kept
    assert sorted(starter.labels) == sorted(c.name for c in city.categories)
    meta = json.loads(META.read_text(encoding="utf-8"))
    assert "even rows" in meta["source"] and meta["n_train"] == sum(meta["per_label"].values())
    assert meta["sklearn"] and meta["cv_macro_f1"] > 0.8
    assert NPZ.stat().st_size <= 3 * 1024 * 1024
    p = starter.predict_proba("我们单位拖欠了半年工资，社保也停缴了，劳动仲裁要怎么申请？")
    assert max(p, key=lambda k: p[k]) == "劳动和社会保障" and abs(sum(p.values()) - 1.0) < 1e-6


def test_the_shipped_files_hold_no_text_beyond_the_label_names(city: CityFile) -> None:
    """Hashed buckets only: every array but the label names is numeric; no vocabulary, no pickled object."""
    names = {c.name for c in city.categories}
    with np.load(NPZ, allow_pickle=False) as z:  # a pickled object array would fail to load here
        kinds = {key: z[key].dtype.kind for key in z.files}
        assert {k for k, kind in kinds.items() if kind not in "iuf"} == {"labels"}
        assert set(z["labels"].tolist()) == names
    with zipfile.ZipFile(NPZ) as zf:
        assert sorted(zf.namelist()) == sorted(f"{k}.npy" for k in kinds)
    meta = json.loads(META.read_text(encoding="utf-8"))

    def strings(v: object) -> list[str]:
        if isinstance(v, dict):
            return [*map(str, v), *(s for x in v.values() for s in strings(x))]
        if isinstance(v, list):
            return [s for x in v for s in strings(x)]
        return [v] if isinstance(v, str) else []

    chinese = {s for s in strings(meta) if CJK.search(s)}
    assert chinese <= names, chinese - names  # the label names are the only Chinese in the metadata


def test_maps_to_the_citys_branches_by_name(city: CityFile) -> None:
    from hotline.routing.service import starter_probs

    got = starter_probs(city, "小区物业私自占用公共绿地建停车位，业主多次反映无人处理")
    assert got is not None
    probs, n_labels, version = got
    assert n_labels == 7 and version.startswith("starter-")
    assert set(probs) == {c.code for c in city.categories}
    assert max(probs, key=lambda k: probs[k]) == "01"  # 城乡建设

    # a city whose tree names two branches otherwise: those get nothing from the starter
    renamed = [c.model_copy(update={"name": f"{c.name}（新）"}) if c.code in ("01", "02") else c
               for c in city.categories]
    other = city.model_copy(update={"categories": renamed})
    probs2, _, _ = starter_probs(other, "小区物业私自占用公共绿地建停车位") or ({}, 0, "")
    assert set(probs2) == {c.code for c in city.categories} - {"01", "02"}
    # … unless the city file (base) still names them as the starter does (a branch renamed in the console)
    probs3, _, _ = starter_probs(other, "小区物业私自占用公共绿地建停车位", base=city) or ({}, 0, "")
    assert set(probs3) == {c.code for c in city.categories}
    # a tree that shares fewer than two names with the starter: it does not speak
    lone = city.model_copy(update={"categories": [c.model_copy(update={"name": f"类{i}"}) if i else c
                                                  for i, c in enumerate(city.categories)]})
    assert starter_probs(lone, "小区物业私自占用公共绿地建停车位") is None


def test_the_switch_turns_it_off(city: CityFile, monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline.config import get_settings
    from hotline.routing.service import starter_probs

    text = "孩子所在的小学乱收补课费，老师暗示不交就不给座位"
    assert starter_probs(city, text) is not None  # default: on
    off = city.model_copy(update={"routing": RoutingOptions(starter=False)})
    assert starter_probs(off, text) is None
    monkeypatch.setattr(get_settings(), "routing_starter", False)
    assert starter_probs(city, text) is None


def test_the_city_file_option_is_validated() -> None:
    assert RoutingOptions().starter is True
    assert RoutingOptions.model_validate({"starter": False}).starter is False
    with pytest.raises(ValueError):
        RoutingOptions.model_validate({"starer": False})  # a typo is refused, not ignored


_TINY = [
    ("小区物业乱收停车费，业主意见很大", "城乡建设"), ("楼道堆满杂物，物业不管", "城乡建设"),
    ("开发商延期交房，购房合同怎么维权", "城乡建设"), ("物业费上涨没有公示", "城乡建设"),
    ("公司拖欠工资三个月，社保也没交", "劳动和社会保障"), ("退休后养老金怎么计算", "劳动和社会保障"),
    ("单位不签劳动合同，能申请仲裁吗", "劳动和社会保障"), ("失业保险金如何领取", "劳动和社会保障"),
    ("孩子上小学划片问题咨询", "教育文体"), ("学校违规补课收费", "教育文体"),
    ("幼儿园学位不够，孩子入园难", "教育文体"), ("中考加分政策咨询", "教育文体"),
]


def test_build_is_deterministic_and_round_trips(tmp_path: Path) -> None:
    texts, labels = [t for t, _ in _TINY], [lab for _, lab in _TINY]
    a, b = build(texts, labels, seed=0), build(texts, labels, seed=0)
    a.model.save(tmp_path / "a")
    b.model.save(tmp_path / "b")
    with np.load(tmp_path / "a" / "starter.npz") as za, np.load(tmp_path / "b" / "starter.npz") as zb:
        assert all(np.array_equal(za[k], zb[k]) for k in za.files)
    loaded = StarterModel.load(tmp_path / "a")
    for text in ("物业乱收费", "拖欠工资"):
        p, q = a.model.predict_proba(text), loaded.predict_proba(text)
        assert max(p, key=lambda k: p[k]) == max(q, key=lambda k: q[k])
        assert all(abs(p[k] - q[k]) < 1e-6 for k in p)
        # the one-message path and the batch path agree
        assert loaded.labels[int(np.argmax(loaded.scores([text])[0]))] == max(q, key=lambda k: q[k])


def test_build_starter_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from hotline.config import get_settings
    from hotline.routing.cli import routing_app

    src = tmp_path / "train.csv"
    with src.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        for text, label in _TINY * 2:  # every row twice: the even rows are the list once
            w.writerow([text, label])
    out = tmp_path / "out"
    res = CliRunner().invoke(routing_app, ["build-starter", "--train", str(src), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "macro-F1" in res.output and (out / "starter.npz").is_file()
    meta = json.loads((out / "starter.json").read_text(encoding="utf-8"))
    assert meta["n_train"] == len(_TINY) and meta["source"] == "train.csv, even rows"
    # a city's own starter, named in the settings, replaces the shipped one
    monkeypatch.setattr(get_settings(), "routing_starter_dir", out)
    own = get_starter()
    assert own is not None and own.version == meta["version"] and len(own.labels) == 3
    bad = CliRunner().invoke(routing_app, ["build-starter", "--train", str(tmp_path / "nope.csv"), "--out", str(out)])
    assert bad.exit_code == 2 and "file not found" in bad.output


@pytest.mark.realdata
def test_the_documented_command_rebuilds_the_shipped_model(tmp_path: Path) -> None:
    """Provenance you can check: the even rows of messages_train.csv give the shipped coefficients."""
    import os

    from hotline.routing.starter.model import read_rows

    path = Path(os.environ.get("HOTLINE_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))
    path = path / "messages_train.csv"
    if not path.is_file():
        pytest.skip(f"real data absent: {path}")
    texts, labels = read_rows(path, rows="even")
    build(texts, labels, seed=0, source="x").model.save(tmp_path)
    with np.load(tmp_path / "starter.npz") as new, np.load(NPZ) as shipped:
        assert np.array_equal(new["index"], shipped["index"])
        assert np.allclose(new["coef"].astype(np.float32), shipped["coef"].astype(np.float32), atol=2e-3)
