"""Fit the reply-quality weights on the dev split only, and write hotline/replies/weights.py.

    python bench/replies_fit.py            # fit, print dev cross-validated figures, write the weights
    python bench/replies_fit.py --dry-run  # fit and print, write nothing

Two logistic regressions over ``hotline.replies.quality.analyse`` features: perfunctory vs not
(the flag), then substantive vs partial among the rest.  The test split is never read here, so
bench/replies_quality.py's held-out figure is a fair one.  Regularisation C=3 (chosen by 5-fold cross-validation on dev) because
200 judged replies is a small set.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from replies_quality import load  # noqa: E402

from hotline.replies.quality import FEATURES, analyse  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "hotline" / "replies" / "weights.py"


def fit(x: list[list[float]], y: list[int], c: float) -> dict[str, float]:
    from sklearn.linear_model import LogisticRegression

    m = LogisticRegression(C=c, fit_intercept=False, max_iter=5000, class_weight=None)
    m.fit(x, y)
    return {k: round(float(w), 4) for k, w in zip(FEATURES, m.coef_[0], strict=True)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--c", type=float, default=3.0)
    a = ap.parse_args()
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import cross_val_predict

    dev = [r for r in load() if r["split"] == "dev"]
    feats = [analyse(reply=r["reply"], message=r["message"], subject=r["subject"]).features for r in dev]
    x = [[f[k] for k in FEATURES] for f in feats]
    y_flag = [int(r["label"] == 0) for r in dev]
    cv = cross_val_predict(LogisticRegression(C=a.c, fit_intercept=False, max_iter=5000, class_weight=None),
                           x, y_flag, cv=5)
    print(f"dev 5-fold flag F1 {f1_score(y_flag, cv):.3f}")
    w_flag = fit(x, y_flag, a.c)
    rest = [(xi, int(r["label"] == 2)) for xi, r in zip(x, dev, strict=True) if r["label"] != 0]
    w_level = fit([p[0] for p in rest], [p[1] for p in rest], a.c)
    print("FLAG", w_flag)
    print("SUBSTANTIVE_VS_PARTIAL", w_level)
    if a.dry_run:
        return
    OUT.write_text(
        '"""Weights of the reply-quality decision (written by bench/replies_fit.py from the dev split; do not edit)."""\n\n'
        f"FLAG: dict[str, float] = {w_flag!r}\n"
        f"SUBSTANTIVE_VS_PARTIAL: dict[str, float] = {w_level!r}\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
