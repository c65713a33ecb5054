"""``hotline routing …``: train and measure the routing classifier from the command line.

Why: a city brings its own labelled history (categories or unit codes) as a
CSV; an administrator must be able to check how well a model would route it,
and train the model the platform will use, without writing Python.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

routing_app = typer.Typer(
    help="Intelligent routing (智能分拨): train and evaluate the message classifier.",
    no_args_is_help=True,
)


@routing_app.callback()
def _group() -> None:
    """Intelligent routing (智能分拨): train and evaluate the message classifier."""


def _fail(exc: ValueError) -> None:
    """Print a bad-input error (already bilingual) and exit with status 2."""
    typer.echo(f"错误 / error: {exc}", err=True)
    raise typer.Exit(code=2)


@routing_app.command("evaluate")
def evaluate_cmd(
    train: Annotated[Path, typer.Option("--train", help="Training CSV (训练集)")],
    test: Annotated[Path, typer.Option("--test", help="Test CSV, never trained on (测试集)")],
    text_column: Annotated[str, typer.Option("--text-column", help="Column with the message text")] = "text",
    label_column: Annotated[str, typer.Option("--label-column", help="Column with the label")] = "label",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
) -> None:
    """Train on TRAIN only, then report macro-F1, accuracy, latency and throughput on TEST."""
    from hotline.routing.model import evaluate

    try:
        result = evaluate(str(train), str(test), text_column=text_column, label_column=label_column)
    except ValueError as exc:
        _fail(exc)
        return
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    rows = [
        ("macro-F1", f"{result['macro_f1']:.4f}"),
        ("accuracy 准确率", f"{result['accuracy']:.4f}"),
        ("train / test 条数", f"{result['n_train']} / {result['n_test']}"),
        ("train seconds 训练秒数", f"{result['train_seconds']:.1f}"),
        ("latency p50 / p99 (ms)", f"{result['p50_ms']:.2f} / {result['p99_ms']:.2f}"),
        ("batch 条/秒", f"{result['batch_per_s']:.0f}"),
    ]
    width = max(len(k) for k, _ in rows) + 2
    for key, value in rows:
        typer.echo(f"{key:<{width}}{value}")
    typer.echo("per-class F1 各类F1:")
    for label, f1 in sorted(result["per_class"].items(), key=lambda kv: -kv[1]):
        typer.echo(f"  {label:<{width}}{f1:.4f}")


@routing_app.command("train")
def train_cmd(
    csv: Annotated[Path, typer.Option("--csv", help="Labelled CSV (已标注留言)")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the model file")],
    text_column: Annotated[str, typer.Option("--text-column", help="Column with the message text")] = "text",
    label_column: Annotated[str, typer.Option("--label-column", help="Column with the label")] = "label",
) -> None:
    """Train a model on every row of CSV and save it to OUT."""
    from hotline.routing.model import TextClassifier, read_labelled_csv

    try:
        texts, labels = read_labelled_csv(csv, text_column, label_column)
        model = TextClassifier.train(texts, labels)
    except ValueError as exc:
        _fail(exc)
        return
    model.save(out)
    typer.echo(f"saved {model.version}: {len(texts)} messages, {len(model.labels)} labels → {out}")


@routing_app.command("train-db")
def train_db_cmd(
    purpose: Annotated[str, typer.Option(help="category, unit or both")] = "both",
    min_rows: Annotated[int, typer.Option(help="Refuse to train on fewer finished orders")] = 200,
) -> None:
    """Retrain from the finished orders in the database (final category and handling unit) and activate.

    Running servers load the new models within 30 seconds, without a restart.
    """
    from hotline.db import session_scope
    from hotline.routing.training import register, training_set_from_db

    purposes = ["category", "unit"] if purpose == "both" else [purpose]
    if any(p not in ("category", "unit") for p in purposes):
        typer.echo("用途须为 category、unit 或 both / purpose must be category, unit or both", err=True)
        raise typer.Exit(2)
    with session_scope() as db:
        for p in purposes:
            texts, labels = training_set_from_db(db, purpose=p)
            if len(texts) < min_rows or len(set(labels)) < 2:
                typer.echo(f"{p}: 已办结工单不足（{len(texts)}）/ not enough finished orders ({len(texts)} < {min_rows})",
                           err=True)
                raise typer.Exit(1)
            row = register(db, purpose=p, texts=texts, labels=labels, source=f"database ({len(texts)} orders)",
                           actor="cli")
            typer.echo(f"{p}: activated {row.version} ({len(texts)} orders, {len(set(labels))} labels)")


@routing_app.command("register")
def register_cmd(
    csv: Annotated[Path, typer.Option("--csv", help="Labelled CSV")],
    purpose: Annotated[str, typer.Option(help="category (labels = top-level category names) or unit (unit codes)")],
    text_column: Annotated[str, typer.Option("--text-column")] = "text",
    label_column: Annotated[str, typer.Option("--label-column")] = "label",
) -> None:
    """Train from a CSV and make it the active model (e.g. the seven first-level categories)."""
    from hotline.db import session_scope
    from hotline.errors import AppError
    from hotline.routing.model import read_labelled_csv
    from hotline.routing.training import register

    try:
        texts, labels = read_labelled_csv(csv, text_column, label_column)
    except ValueError as exc:
        _fail(exc)
        return
    try:
        with session_scope() as db:
            row = register(db, purpose=purpose, texts=texts, labels=labels, source=f"csv {csv.name}", actor="cli")
            typer.echo(f"activated {row.version} ({len(texts)} rows)")
    except AppError as exc:
        typer.echo(f"{exc.zh} / {exc.en}", err=True)
        raise typer.Exit(2) from exc


@routing_app.command("build-starter")
def build_starter_cmd(
    train: Annotated[Path, typer.Option("--train", help="Labelled CSV of real messages, labels = first-level names")],
    out: Annotated[Path | None, typer.Option("--out", help="Folder to write starter.npz and starter.json "
                                                           "(default: the package's hotline/routing/starter/)")] = None,
    rows: Annotated[str, typer.Option("--rows", help="even: only data rows 0, 2, 4 … (the odd rows stay a test "
                                                     "half, as bench/routing_dayone.py splits); all: every row")] = "even",
    text_column: Annotated[str, typer.Option("--text-column", help="Column with the message text")] = "text",
    label_column: Annotated[str, typer.Option("--label-column", help="Column with the label")] = "label",
    seed: Annotated[int, typer.Option("--seed", help="Seed of the folds and the SVM (deterministic)")] = 0,
) -> None:
    """Rebuild the day-one starter model (入门模型) from real messages: hashed features only, no text stored.

    Prints the cross-validated macro-F1; see hotline/routing/starter/PROVENANCE.md and docs/routing.md.
    """
    from hotline.routing.starter.model import HERE, build, read_rows

    try:
        texts, labels = read_rows(train, rows=rows, text_column=text_column, label_column=label_column)
        result = build(texts, labels, seed=seed, source=f"{train.name}, {rows} rows")
    except ValueError as exc:
        _fail(exc)
        return
    target = out or HERE
    result.model.save(target)
    typer.echo(f"starter {result.model.version}: {result.n_train} messages, {len(result.model.labels)} labels, "
               f"{result.model.meta['stored_buckets']} buckets → {target}")
    typer.echo(f"cross-validated ({result.model.meta['cv_folds']}-fold) macro-F1 {result.cv_macro_f1:.4f}, "
               f"accuracy {result.cv_accuracy:.4f}, temperature {result.model.temperature:.3f}")
