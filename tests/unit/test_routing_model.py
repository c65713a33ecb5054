"""The routing classifier: behaviour on small synthetic messages, plus a real-data regression guard."""

from __future__ import annotations

import csv
import json
import os
import random
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from hotline.routing.cli import routing_app
from hotline.routing.model import TextClassifier, evaluate

_TOPICS: dict[str, list[str]] = {
    "环境保护": ["噪音", "扰民", "污水", "排放", "臭味", "油烟", "垃圾焚烧", "粉尘"],
    "劳动和社会保障": ["社保", "工资", "拖欠", "养老保险", "医保", "退休金", "劳动合同", "失业"],
    "交通运输": ["公交", "红绿灯", "出租车", "地铁站", "道路拥堵", "班车", "驾校", "停车场"],
}
_FILLER = ["我们小区", "附近", "最近一直", "希望有关部门", "尽快处理", "严重影响", "市民", "请领导重视"]


def _messages(n_per_label: int, seed: int) -> tuple[list[str], list[str]]:
    """Synthetic citizen messages: topic words mixed with shared filler."""
    rng = random.Random(seed)
    texts, labels = [], []
    for label, words in _TOPICS.items():
        for _ in range(n_per_label):
            parts = rng.sample(words, 3) + rng.sample(_FILLER, 3)
            rng.shuffle(parts)
            texts.append("，".join(parts) + "。")
            labels.append(label)
    return texts, labels


def _write_csv(path: Path, texts: list[str], labels: list[str], header: tuple[str, str] = ("text", "label")
               ) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(zip(texts, labels, strict=True))
    return path


@pytest.fixture(scope="module")
def model() -> TextClassifier:
    texts, labels = _messages(30, seed=1)
    return TextClassifier.train(texts, labels, seed=0)


def test_train_predict_batch(model: TextClassifier) -> None:
    assert sorted(model.labels) == sorted(_TOPICS)
    assert model.version.startswith("tfidf-nbsvm-")
    texts, labels = _messages(10, seed=2)
    predicted = model.predict_batch(texts)
    assert np.mean([p == t for p, t in zip(predicted, labels, strict=True)]) >= 0.9
    assert model.predict_batch([]) == []


def test_topk_ordered_probabilities(model: TextClassifier) -> None:
    top = model.predict_topk("小区附近工地夜间噪音扰民，还有粉尘污染", k=3)
    assert top[0][0] == "环境保护"
    assert len(top) == 3
    probs = [p for _, p in top]
    assert probs == sorted(probs, reverse=True)
    assert all(0.0 <= p <= 1.0 for p in probs)
    everything = model.predict_topk("公司拖欠工资还不交社保", k=10)
    assert len(everything) == len(model.labels)
    assert sum(p for _, p in everything) <= 1.0 + 1e-9
    assert everything[0][0] == "劳动和社会保障"
    with pytest.raises(ValueError):
        model.predict_topk("公交", k=0)


def test_fast_path_matches_batch_path(model: TextClassifier) -> None:
    """predict_topk's hand-written feature path must agree with the sklearn one."""
    for text in ["地铁站公交班车太少", "ＡＢＣ小区  油烟 扰民！！", "", "完全无关的句子"]:
        proba = model.predict_proba([text])[0]
        top = model.predict_topk(text, k=len(model.labels))
        assert [p for _, p in top] == pytest.approx(sorted(proba, reverse=True), abs=1e-6)


def test_segmenter_matches_jieba() -> None:
    """Our fused DAG + route loop must cut exactly where jieba.lcut(HMM=False) does."""
    import jieba

    from hotline.routing.features import normalize_text, word_tokens

    samples = [
        "小区附近工地夜间噪音扰民，还有粉尘污染",
        "ＡＢＣ小区  油烟 扰民！！4G网络信号差，c++ 和 a.b_c%d-e 12345热线",
        "请问L9县A4区的公积金贷款怎么办理？电话：0731-88888888。",
        "", " ", "\r\n你好\t世界", "abc def", "西地省A市A1区魅力之城小区临街门面烧烤店油烟扰民",
        *_messages(3, seed=11)[0],
    ]
    for text in samples:
        for t in (text, normalize_text(text)):
            assert word_tokens(t) == [w for w in jieba.lcut(t, HMM=False) if not w.isspace()], t


def test_long_messages_keep_head_and_tail() -> None:
    """Featurizer caps long texts to head + tail; short ones and uncapped (old) featurizers are untouched."""
    from hotline.routing.features import Featurizer

    capped = Featurizer(head_chars=5, tail_chars=3)
    assert capped._prepare("一二三四五六七八九十甲乙") == "一二三四五。十甲乙"
    assert capped._prepare("一二三四五六七八") == "一二三四五六七八"
    assert Featurizer(head_chars=4)._prepare("一二三四五六") == "一二三四"
    old = Featurizer()
    del old.__dict__["head_chars"], old.__dict__["tail_chars"]  # as unpickled from an older model file
    assert old._prepare("一二三四五六七八九十" * 200) == "一二三四五六七八九十" * 200


def test_parallel_batch_matches_sequential(model: TextClassifier) -> None:
    """A batch dealt to forked workers gives the same labels, in the same order, as one process."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    texts, _ = _messages(40, seed=12)
    sequential = model.predict_batch(texts, workers=1)
    assert model.predict_batch(texts, workers=3) == sequential
    assert model.predict_batch(texts[:2], workers=5) == sequential[:2]


def test_version_is_stable_for_same_data() -> None:
    texts, labels = _messages(8, seed=3)
    a = TextClassifier.train(texts, labels, seed=0)
    b = TextClassifier.train(texts, labels, seed=0)
    assert a.version == b.version
    assert a.predict_topk(texts[0]) == b.predict_topk(texts[0])


def test_explain_returns_terms_from_text(model: TextClassifier) -> None:
    text = "单位拖欠工资半年，也不交养老保险，希望有关部门处理"
    reasons = model.explain(text, "劳动和社会保障", n=3)
    assert 1 <= len(reasons) <= 3
    assert all(term in text for term in reasons)
    assert any(term in {"拖欠", "工资", "养老保险", "养老", "保险"} for term in reasons)
    with pytest.raises(ValueError):
        model.explain(text, "不存在的类别")


def test_save_load_round_trip(model: TextClassifier, tmp_path: Path) -> None:
    path = tmp_path / "m" / "routing.joblib"
    model.save(path)
    loaded = TextClassifier.load(path)
    assert loaded.version == model.version
    assert loaded.labels == model.labels
    text = "红绿灯坏了，道路拥堵"
    assert loaded.predict_topk(text) == model.predict_topk(text)
    with pytest.raises(ValueError):
        TextClassifier.load(tmp_path / "missing.joblib")


def test_train_rejects_single_label() -> None:
    with pytest.raises(ValueError, match="at least 2 labels"):
        TextClassifier.train(["噪音扰民", "油烟扰民"], ["环境保护", "环境保护"])


def test_evaluate_keys_and_bad_input(tmp_path: Path) -> None:
    train = _write_csv(tmp_path / "train.csv", *_messages(20, seed=4))
    test = _write_csv(tmp_path / "test.csv", *_messages(5, seed=5))
    result = evaluate(str(train), str(test))
    assert set(result) == {"macro_f1", "accuracy", "per_class", "n_train", "n_test", "train_seconds",
                           "p50_ms", "p99_ms", "batch_per_s"}
    assert result["n_train"] == 60 and result["n_test"] == 15
    assert set(result["per_class"]) == set(_TOPICS)
    assert 0.0 <= result["macro_f1"] <= 1.0

    with pytest.raises(ValueError, match="file not found"):
        evaluate(str(tmp_path / "nope.csv"), str(test))
    with pytest.raises(ValueError, match="column not found: body") as info:
        evaluate(str(train), str(test), text_column="body")
    assert "找不到列" in str(info.value)
    one = _write_csv(tmp_path / "one.csv", ["噪音", "油烟"], ["环境保护", "环境保护"])
    with pytest.raises(ValueError, match="at least 2 labels"):
        evaluate(str(one), str(test))


def test_cli_evaluate_json_and_train(tmp_path: Path) -> None:
    texts, labels = _messages(20, seed=6)
    train = _write_csv(tmp_path / "train.csv", texts, labels, header=("内容", "类别"))
    test = _write_csv(tmp_path / "test.csv", *_messages(5, seed=7), header=("内容", "类别"))
    runner = CliRunner()
    args = ["evaluate", "--train", str(train), "--test", str(test), "--text-column", "内容",
            "--label-column", "类别"]
    res = runner.invoke(routing_app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["n_test"] == 15 and "macro_f1" in data
    assert "环境保护" in res.output  # ensure_ascii=False

    res = runner.invoke(routing_app, args)
    assert res.exit_code == 0 and "macro-F1" in res.output

    res = runner.invoke(routing_app, ["evaluate", "--train", str(train), "--test", str(test), "--json"])
    assert res.exit_code != 0
    assert "column not found" in res.output

    out = tmp_path / "model.joblib"
    res = runner.invoke(routing_app, ["train", "--csv", str(train), "--out", str(out), "--text-column", "内容",
                                      "--label-column", "类别"])
    assert res.exit_code == 0, res.output
    assert TextClassifier.load(out).labels == sorted(_TOPICS)


# ----------------------------------------------------------------- real data
def _real_csv() -> Path:
    root = Path(os.environ.get("HOTLINE_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))
    path = root / "messages_train.csv"
    if not path.is_file():
        pytest.skip(f"real data absent: {path}")
    return path


@pytest.mark.realdata
def test_real_heldout_macro_f1_floor() -> None:
    """Regression guard on real messages: a fixed stratified 25% of 2,400 rows held out."""
    from sklearn.metrics import f1_score
    from sklearn.model_selection import train_test_split

    with _real_csv().open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows = random.Random(0).sample(rows, 2400)
    texts = [r["text"] for r in rows]
    labels = [r["label"] for r in rows]
    x_tr, x_te, y_tr, y_te = train_test_split(texts, labels, test_size=0.25, stratify=labels, random_state=0)
    model = TextClassifier.train(x_tr, y_tr)
    macro = f1_score(y_te, model.predict_batch(x_te), average="macro")
    assert macro >= 0.85, macro
