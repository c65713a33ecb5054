"""``hotline imports run FILE --mapping mapping.yaml [--dry-run]``: import historical orders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

imports_app = typer.Typer(help="Import historical orders from CSV/Excel; export lists", no_args_is_help=True)


@imports_app.command("run")
def run(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".csv or .xlsx")],
        mapping: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="YAML column mapping")],
        dry_run: Annotated[bool, typer.Option("--dry-run", help="validate only; write nothing")] = False,
        live: Annotated[bool, typer.Option(
            "--live", help="take orders still open at the source over as live work: time limits run from now, "
                           "units and webhooks are notified (default: history only, no clocks, no notices)")] = False,
        report: Annotated[Path | None, typer.Option(help="write the full JSON report here")] = None) -> None:
    """Validate the file against the mapping and import the valid rows (re-runs skip imported rows).

    The same import as the console upload (``imports.flows.import_file``), with the same hooks."""
    from hotline.db import session_scope
    from hotline.errors import AppError
    from hotline.imports.flows import import_file
    from hotline.imports.mapping import parse_mapping

    try:
        m = parse_mapping(mapping.read_text(encoding="utf-8"))
        with session_scope() as db:
            result = import_file(db, data=file.read_bytes(), filename=file.name, mapping=m, user=None,
                                 dry_run=dry_run, live=live)
    except AppError as exc:
        typer.echo(f"error: {exc.zh} / {exc.en}", err=True)
        raise typer.Exit(2) from exc
    for row in result["rows"]:
        for msg in row["messages"]:
            typer.echo(f"line {row['line']}: {row['status']}: {msg['zh']} / {msg['en']}")
    typer.echo(f"{'dry run: ' if dry_run else ''}total {result['total']}, ok {result['ok']}, "
               f"imported {result['imported']}, skipped {result['skipped']}, errors {result['error']}")
    if report:
        report.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    if result["error"]:
        raise typer.Exit(1)
