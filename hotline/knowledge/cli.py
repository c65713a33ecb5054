"""``hotline knowledge import|remind``: bulk import from CSV and review reminders."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import typer

knowledge_app = typer.Typer(help="知识库 · knowledge base: import from CSV, review reminders", no_args_is_help=True)


@knowledge_app.command("import")
def import_csv(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV file (UTF-8, header row)"),
    map_: list[str] = typer.Option(["留言主题=question", "答复意见=answer"], "--map",
                                   help="column=field; fields: question answer policy_basis tags category_code"),
    key: str = typer.Option("留言编号", help="column with a stable id: re-imports update instead of duplicating"),
    prefix: str = typer.Option("", help="external key prefix (default: the file name)"),
    owner: str = typer.Option("centre", help="owning unit code"),
    limit: int = typer.Option(0, help="import only the first N rows (0: all)"),
    no_clean: bool = typer.Option(False, help="keep official-reply boilerplate as is"),
) -> None:
    """Import entries, mapping columns to fields (e.g. replies.csv: 留言主题→question, 答复意见→answer)."""
    from hotline import registry
    registry.install()  # every package, in the declared order (hotline/registry.py)
    from hotline.db import session_scope
    from hotline.knowledge.flows import do_import
    from hotline.orders.actor import Actor

    mapping = {}
    for m in map_:
        col, _, field = m.partition("=")
        if not field:
            raise typer.BadParameter(f"--map needs column=field, got {m!r}")
        mapping[col.strip()] = field.strip()
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if limit:
        rows = rows[:limit]
    with session_scope() as db:
        counts = do_import(db, rows=rows, mapping=mapping, key_column=key, key_prefix=prefix or path.name,
                           owner_unit=owner, actor=Actor(role="admin", label="知识库导入(CLI)"), clean=not no_clean)
    typer.echo(" ".join(f"{k}={v}" for k, v in counts.items()))


@knowledge_app.command("remind")
def remind() -> None:
    """Queue an inbox notice to each owning unit for every entry due for review (once per review date)."""
    from hotline import registry
    registry.install()  # every package, in the declared order (hotline/registry.py)
    from hotline.db import session_scope
    from hotline.knowledge.flows import do_remind_due
    from hotline.orders.actor import Actor

    with session_scope() as db:
        n = do_remind_due(db, today=date.today(), actor=Actor(role="system", label="系统"))  # noqa: DTZ011
    typer.echo(f"queued {n} review reminder(s)")
