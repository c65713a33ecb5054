"""Fit the reply-quality weights on the tuning splits only, and write hotline/replies/weights.py.

    python bench/replies_fit.py            # cross-validate on the tuning splits, fit, write the weights
    python bench/replies_fit.py --dry-run  # the same, write nothing
    python bench/replies_fit.py --dry-run --json   # the cross-validation and the weights as JSON
    python bench/replies_fit.py --dry-run --search # the grid over C and the class weight

Two logistic regressions over ``hotline.replies.quality.analyse`` features: perfunctory vs not
(the flag), then substantive vs partial among the rest.  The tuning splits are ``dev``, ``dev2`` and
``dev3`` (520 judged pairs; dev3 was drawn on purpose where perfunctory replies are likely, docs/replies.md).  The held-out ``test`` split (120, continuity with rq-1) and the stranger's ``final``
split (220) are never read here, so bench/replies_quality.py's figures on them are fair ones.
C and the class weight were chosen by the repeated 5-fold cross-validation printed here, which refits
both regressions on each training fold and scores the other fold with the platform's own
``quality.decide`` (rules included).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from replies_quality import load  # noqa: E402

from hotline.replies.quality import FEATURES, analyse, decide  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "hotline" / "replies" / "weights.py"
TUNE = ("dev", "dev2", "dev3")
C, CLASS_WEIGHT = 1.0, {0: 1.0, 1: 1.6}


def fit(x: list[list[float]], y: list[int], c: float, cw: dict[int, float] | None = None) -> dict[str, float]:
    from sklearn.linear_model import LogisticRegression

    m = LogisticRegression(C=c, fit_intercept=False, max_iter=5000, class_weight=cw)
    m.fit(x, y)
    return {k: round(float(w), 4) for k, w in zip(FEATURES, m.coef_[0], strict=True)}


def fit_both(analyses: list[Any], labels: list[int], c: float = C,
             cw: dict[int, float] | None = None) -> tuple[dict[str, float], dict[str, float]]:
    """The two weight sets from judged replies: the flag (all of them), then substantive vs partial (the rest)."""
    x = [[a.features[k] for k in FEATURES] for a in analyses]
    w_flag = fit(x, [int(lab == 0) for lab in labels], c, cw if cw is not None else CLASS_WEIGHT)
    rest = [(xi, int(lab == 2)) for xi, lab in zip(x, labels, strict=True) if lab != 0]
    w_level = fit([p[0] for p in rest], [p[1] for p in rest], c)
    return w_flag, w_level


def analyses_of(rows: list[dict]) -> list[Any]:
    return [analyse(reply=r["reply"], message=r["message"], subject=r["subject"]) for r in rows]


def cross_validate(rows: list[dict], analyses: list[Any], k: int = 5, repeats: int = 3, c: float = C,
                   cw: dict[int, float] | None = None, grouped: bool = True) -> dict[str, Any]:
    """k-fold cross-validation (grouped by subject, so that a message posted twice stays in one fold): each fold is
    scored by weights fitted on the other folds only.  Returns the pooled predictions of the first repeat and
    the mean flag F1 and 3-level accuracy over the repeats."""
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    labels = [r["label"] for r in rows]
    groups = [r["subject"] for r in rows]
    f1s: list[float] = []
    accs: list[float] = []
    first_pred: list[int] = []
    for seed in range(repeats):
        pred = [0] * len(rows)
        splitter = (StratifiedGroupKFold(k, shuffle=True, random_state=seed) if grouped
                    else StratifiedKFold(k, shuffle=True, random_state=seed))
        for tr, te in splitter.split(labels, labels, groups):
            wf, wl = fit_both([analyses[i] for i in tr], [labels[i] for i in tr], c, cw)
            for i in te:
                pred[i] = decide(analyses[i], wf, wl)
        tp = sum(p == 0 and g == 0 for p, g in zip(pred, labels, strict=True))
        fp = sum(p == 0 and g != 0 for p, g in zip(pred, labels, strict=True))
        fn = sum(p != 0 and g == 0 for p, g in zip(pred, labels, strict=True))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
        accs.append(sum(p == g for p, g in zip(pred, labels, strict=True)) / len(labels))
        if seed == 0:
            first_pred = pred
    return {"flag_f1_mean": round(sum(f1s) / len(f1s), 3), "flag_f1_each": [round(f, 3) for f in f1s],
            "levels_accuracy_mean": round(sum(accs) / len(accs), 3), "pred": first_pred}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--c", type=float, default=C)
    ap.add_argument("--pos-weight", type=float, default=CLASS_WEIGHT[1])
    ap.add_argument("--search", action="store_true", help="print the cross-validated grid over C and class weight")
    ap.add_argument("--json", action="store_true", help="print the cross-validation and the weights as JSON")
    a = ap.parse_args()
    tune = [r for r in load() if r["split"] in TUNE]
    an = analyses_of(tune)
    labels = [r["label"] for r in tune]
    if a.search:
        for c in (0.3, 1.0, 3.0):
            for pw in (1.0, 1.3, 1.6, 2.0):
                cv = cross_validate(tune, an, c=c, cw={0: 1.0, 1: pw})
                print(f"C={c} pos_weight={pw}: flag F1 {cv['flag_f1_mean']} {cv['flag_f1_each']}, "
                      f"3-level acc {cv['levels_accuracy_mean']}")
    cw = {0: 1.0, 1: a.pos_weight}
    cv = cross_validate(tune, an, c=a.c, cw=cw)
    if not a.json:
        print(f"tuning splits {'+'.join(TUNE)} (n={len(tune)}), grouped 5-fold x3: flag F1 {cv['flag_f1_mean']} "
              f"{cv['flag_f1_each']}, 3-level accuracy {cv['levels_accuracy_mean']}")
    w_flag, w_level = fit_both(an, labels, a.c, cw)
    if a.json:
        import json

        print(json.dumps({"n": len(tune), "splits": list(TUNE), "c": a.c, "pos_weight": a.pos_weight,
                          "cv_flag_f1_mean": cv["flag_f1_mean"], "cv_flag_f1_each": cv["flag_f1_each"],
                          "cv_levels_accuracy_mean": cv["levels_accuracy_mean"], "flag": w_flag,
                          "substantive_vs_partial": w_level}, ensure_ascii=False))
    else:
        print("FLAG", w_flag)
        print("SUBSTANTIVE_VS_PARTIAL", w_level)
    if a.dry_run:
        return
    OUT.write_text(
        '"""Weights of the reply-quality decision (written by bench/replies_fit.py from the dev, dev2 and dev3 splits; '
        'do not edit)."""\n\n'
        f"FLAG: dict[str, float] = {w_flag!r}\n"
        f"SUBSTANTIVE_VS_PARTIAL: dict[str, float] = {w_level!r}\n", encoding="utf-8")
    print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
