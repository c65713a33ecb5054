"""``hotline duplicates evaluate|refit``: judge the scorer on labelled pairs; refit its statistics."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import typer

duplicates_app = typer.Typer(help="并单 · duplicates: evaluate on labelled pairs, refit statistics",
                             no_args_is_help=True)


def read_messages(path: Path) -> dict[str, str]:
    """Messages in the hot_messages format: 留言编号, 留言主题, 留言详情 (other columns ignored)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if rows and not {"留言编号", "留言主题", "留言详情"} <= rows[0].keys():
        raise typer.BadParameter("messages need the columns 留言编号, 留言主题, 留言详情", param_hint="--messages")
    return {r["留言编号"].strip(): f"{r['留言主题']}\n{r['留言详情']}" for r in rows}


def read_pairs(path: Path) -> list[tuple[str, str, int]]:
    """Pairs ``id_a,id_b,same`` (``label`` accepted for ``same``); same is 1 or 0."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    col = "same" if rows and "same" in rows[0] else "label"
    if rows and not {"id_a", "id_b", col} <= rows[0].keys():
        raise typer.BadParameter("pairs need the columns id_a, id_b, same", param_hint="--pairs")
    return [(r["id_a"].strip(), r["id_b"].strip(), int(r[col])) for r in rows]


def evaluate_pairs(messages: dict[str, str], pairs: list[tuple[str, str, int]],
                   threshold: float | None = None) -> dict[str, float | int]:
    """Precision, recall and F1 of the platform's scorer at the platform's threshold.

    The statistics are fitted on the messages file itself (unlabelled), as
    ``hotline duplicates refit`` fits them on a city's orders; the scoring is
    ``similarity.Scorer.compare``, the one intake and the order page use.
    """
    from hotline.duplicates.settings import DuplicateRules
    from hotline.duplicates.similarity import Doc, Scorer, fit_idf

    t = DuplicateRules().threshold if threshold is None else threshold
    sc = Scorer(fit_idf(messages.values()))
    prep = {}
    tp = fp = fn = tn = 0
    missing = 0
    for a, b, same in pairs:
        if a not in messages or b not in messages:
            missing += 1
            continue
        for i in (a, b):
            if i not in prep:
                prep[i] = sc.prepare(Doc(messages[i]))
        hit = sc.compare(prep[a], prep[b], reasons=False).score >= t
        tp += hit and same == 1
        fp += hit and same == 0
        fn += (not hit) and same == 1
        tn += (not hit) and same == 0
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4), "threshold": t,
            "pairs": tp + fp + fn + tn, "tp": tp, "fp": fp, "fn": fn, "tn": tn, "missing": missing}


@duplicates_app.command("evaluate")
def evaluate(
    messages: Path = typer.Option(..., "--messages", exists=True, dir_okay=False,
                                  help="CSV in the hot_messages format (留言编号, 留言主题, 留言详情, …)"),
    pairs: Path = typer.Option(..., "--pairs", exists=True, dir_okay=False, help="CSV id_a,id_b,same"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """P/R/F1 of the duplicate scorer on labelled pairs, at the threshold the platform uses."""
    res = evaluate_pairs(read_messages(messages), read_pairs(pairs))
    if res["missing"]:
        typer.echo(f"{res['missing']} pair(s) name a message id not in the messages file: skipped", err=True)
    if as_json:
        typer.echo(json.dumps(res))
    else:
        typer.echo(" ".join(f"{k}={v}" for k, v in res.items()))


@duplicates_app.command("refit")
def refit(limit: int = typer.Option(20_000, help="fit on this many newest orders")) -> None:
    """Fit the duplicate statistics on the city's own orders and rebuild the open orders' index."""
    import hotline.models  # noqa: F401
    from hotline.db import session_scope
    from hotline.duplicates import stats

    with session_scope() as db:
        res = stats.refit(db, actor_label="并单统计重算(CLI)", limit=limit)
    typer.echo(f"fitted on {res['orders']} orders ({res['keys']} keys), {res['reindexed']} open orders reindexed "
               f"-> {stats.stats_path()}")
