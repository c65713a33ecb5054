"""The demo's demand generator reads its words from hotline/demo/data/ and writes the same demo as before.

The hashes below were computed on the generator as it was when all its words
sat in ``texts.py`` (main at b3fb5c0), so moving them into data files changed no
demand.  They pin the demo city file and the data files too: if you change
either on purpose, recompute them with ``_digest`` and say so in the commit.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import string
from dataclasses import asdict
from pathlib import Path

import pytest

from hotline.city.loader import load_city
from hotline.city.schema import CityFile
from hotline.demo import texts
from hotline.demo.texts import DemandText, generate_demands, generate_duplicate_cluster

DATA = Path(texts.__file__).parent / "data"

BEFORE_THE_MOVE = {
    "first 200, seed 0": "a553c67efa4ae4abb26d52c0146e314ca94895d6dbac7ed15e3a5f2d8c937f63",
    "first 200, seed 42": "5f43fea7a69a0f4609d9e620550aa0e7910fa304424332d011d95b61793516b9",
    "duplicate clusters": "2f6b71b01b9a767e7f8bffcd29be93e3b8f0bb17a3beb10700b7fc15f67c3926",
}


def _digest(demands: list[DemandText]) -> str:
    rows = [asdict(d) for d in demands]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


@pytest.fixture(scope="module")
def city() -> CityFile:
    return load_city()


def test_the_first_200_demands_are_the_ones_generated_before_the_words_moved(city: CityFile) -> None:
    assert _digest(generate_demands(city, 200, seed=0)) == BEFORE_THE_MOVE["first 200, seed 0"]
    assert _digest(generate_demands(city, 200, seed=42)) == BEFORE_THE_MOVE["first 200, seed 42"]


def test_duplicate_clusters_are_the_ones_generated_before_the_words_moved(city: CityFile) -> None:
    bases = generate_demands(city, 50, seed=3)
    twins = [t for b in bases for t in generate_duplicate_cluster(city, b, 3, seed=5)]
    assert _digest(twins) == BEFORE_THE_MOVE["duplicate clusters"]


def test_the_digest_sees_a_changed_word(city: CityFile) -> None:
    demands = generate_demands(city, 200, seed=0)
    first = demands[0]
    changed = [DemandText(**{**asdict(first), "content": first.content + "。"}), *demands[1:]]
    assert _digest(changed) != _digest(demands)


# ---------------------------------------------------------------- the data files


def _templates() -> list[tuple[str, str]]:
    """(where, template) for every string in the data files that the generator formats."""
    out: list[tuple[str, str]] = []
    for spec in texts._SPECS:
        out += [(f"specs.yaml {spec.code}", t) for t in (*spec.problems, *spec.questions, spec.suggest)]
    frames = {k: v for k, v in vars(texts).items() if k.startswith("_") and k.isupper() and k not in ("_SPECS",)}
    for name, value in frames.items():
        if isinstance(value, tuple) and all(isinstance(x, str) for x in value):
            out += [(f"frames {name}", t) for t in value]
    out += [("frames titles", t) for ts in texts._TITLES.values() for t in ts]
    out += [("pools slots", t) for ts in texts._SLOT_POOLS.values() for t in ts]
    out.append(("frames duplicate_core", texts._DUP_CORE))
    return out


def test_every_slot_in_the_data_files_is_one_the_generator_fills() -> None:
    fillable = {"place", "loc", "district", "street", "community", "unit", "issue", "school", "hospital", "plate",
                *texts._SLOT_POOLS, *texts._SHOP_KIND}
    unknown = []
    for where, template in _templates():
        for _, name, _, _ in string.Formatter().parse(template):
            if name is not None and name not in fillable:
                unknown.append(f"{where}: {{{name}}}")
    assert unknown == []


def test_every_spec_names_a_known_kind_of_place_and_says_something() -> None:
    kinds = {k for k, _ in texts._KIND_SUFFIXES} | {"any", "village"}
    codes = [s.code for s in texts._SPECS]
    assert len(codes) == len(set(codes)), "a leaf has two specs"
    for s in texts._SPECS:
        assert s.place in kinds, s.code
        assert s.issue and s.problems and s.questions and s.suggest, s.code
        assert re.fullmatch(r"\d{6}", s.code), s.code
    assert texts._REPORTABLE <= set(codes)


def test_the_words_live_in_the_data_files_not_in_the_code() -> None:
    """Most of the generator is words; they are data (no Chinese sentence is left inside texts.py's code)."""
    code = Path(texts.__file__).read_text(encoding="utf-8")
    data = sum(len(p.read_text(encoding="utf-8")) for p in DATA.glob("*.yaml"))
    assert data > 2 * len(code)
    tree = ast.parse(code)
    docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
    sentences = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                 and id(n) not in docstrings and len(re.findall(r"[\u4e00-\u9fff]", n.value)) > 4]
    assert sentences == []
