"""Build the candidate pairs for labelling duplicates in hot_messages.csv, and read the labels.

Protocol (docs/duplicates.md): candidate pairs are drawn from the union of
pairs from different users sharing at least one rare word (document
frequency 2–15), scored by our scorer and stratified into four score bands so that the labelled sample holds sure pairs, borderline pairs and
clear non-pairs.  A person then reads each pair's two titles (and the texts
where the titles do not decide) and writes 1 (same matter: same place or
object and same demand) or 0.  Only message ids and the label are kept in
``bench/dup_labels.csv`` — never the texts.

Usage:  python bench/dup_labels.py sample > /tmp/pairs.tsv   (then label by hand)
"""

from __future__ import annotations

import csv
import os
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("HOTLINE_SHARED_DATA", ROOT.parent / "shared" / "data"))
LABELS = Path(__file__).with_name("dup_labels.csv")


def messages() -> dict[str, dict[str, str]]:
    with (DATA / "hot_messages.csv").open(encoding="utf-8") as fh:
        return {r["留言编号"]: r for r in csv.DictReader(fh)}


def text(r: dict[str, str]) -> str:
    return f"{r['留言主题']}\n{r['留言详情']}"


def candidate_pairs(msgs: dict[str, dict[str, str]], max_df: int = 15) -> set[tuple[str, str]]:
    from hotline.textindex.segment import words

    toks = {i: set(words(text(r))) for i, r in msgs.items()}
    df = Counter(t for ts in toks.values() for t in ts)
    post: dict[str, list[str]] = defaultdict(list)
    for i, ts in toks.items():
        for t in ts:
            if 2 <= df[t] <= max_df:
                post[t].append(i)
    pairs = set()
    for ids in post.values():
        for a in range(len(ids)):
            for b in range(a + 1, len(ids)):
                x, y = sorted((ids[a], ids[b]))
                if msgs[x]["留言用户"] != msgs[y]["留言用户"]:
                    pairs.add((x, y))
    return pairs


def read_labels() -> list[tuple[str, str, int]]:
    with LABELS.open(encoding="utf-8") as fh:
        return [(r["id_a"], r["id_b"], int(r["label"])) for r in csv.DictReader(fh)]


def sample(n_per_band: int = 25, seed: int = 6) -> None:
    from hotline.duplicates.similarity import Doc, Scorer, bigram_jaccard, fit_idf

    msgs = messages()
    sc = Scorer(fit_idf(text(r) for r in msgs.values()))
    prep = {i: sc.prepare(Doc(text(r))) for i, r in msgs.items()}
    scored = []
    for a, b in candidate_pairs(msgs):
        base = bigram_jaccard(text(msgs[a]), text(msgs[b]))
        scored.append((sc.compare(prep[a], prep[b]).score, base, a, b))
    rng = random.Random(seed)
    bands = [(0.6, 1.01), (0.45, 0.6), (0.3, 0.45), (0.0, 0.3)]
    out = []
    for lo, hi in bands:
        pool = [s for s in scored if lo <= s[0] < hi]
        out += rng.sample(pool, min(n_per_band, len(pool)))
    w = csv.writer(sys.stdout, delimiter="\t")
    for s, base, a, b in out:
        w.writerow([a, b, f"{s:.3f}", f"{base:.3f}", msgs[a]["留言主题"], msgs[b]["留言主题"]])


if __name__ == "__main__":
    if sys.argv[1:] == ["sample"]:
        sample()
