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
