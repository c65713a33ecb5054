"""``hotline replies score``: score the replies of a CSV file with the platform's own check."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

import typer

replies_app = typer.Typer(help="答复质量 · reply quality: score replies against their demands", no_args_is_help=True)


@replies_app.command("score")
def score_csv(
    input_: Path = typer.Option(..., "--input", exists=True, dir_okay=False, help="CSV file (UTF-8, header row)"),
    id_column: str = typer.Option(..., "--id-column", help="column with each row's id"),
    message_columns: str = typer.Option(..., "--message-columns",
                                        help="demand column(s), comma-separated; with two or more the first is "
                                             "the title (诉求标题) and the rest the text"),
    reply_column: str = typer.Option(..., "--reply-column", help="column with the reply (答复意见)"),
    as_json: bool = typer.Option(False, "--json", help='print {"scores": [{"id", "quality", "flag", "reasons"}]}'),
) -> None:
    """Score every row: quality 2 substantive / 1 partial / 0 perfunctory; flag = perfunctory."""
    from hotline.replies.quality import score

    cols = [c.strip() for c in message_columns.split(",") if c.strip()]
    with input_.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in [id_column, reply_column, *cols] if c not in (reader.fieldnames or [])]
        if missing:
            typer.echo(f"列不存在 · no such column: {', '.join(missing)}", err=True)
            raise typer.Exit(2)
        out: list[dict[str, Any]] = []
        for row in reader:
            subject = row[cols[0]] if len(cols) > 1 else ""
            message = "\n".join(row[c] or "" for c in (cols[1:] if len(cols) > 1 else cols))
            s = score(reply=row[reply_column] or "", message=message, subject=subject or "")
            out.append({"id": row[id_column], "quality": s.quality, "flag": s.flag,
                        "reasons": [{"code": r.code, "zh": r.zh, "en": r.en} for r in s.reasons]})
    if as_json:
        json.dump({"scores": out}, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return
    counts = {q: sum(1 for o in out if o["quality"] == q) for q in (2, 1, 0)}
    typer.echo(f"{len(out)} replies: substantive {counts[2]}, partial {counts[1]}, perfunctory {counts[0]}")
    for o in out:
        if o["flag"]:
            typer.echo(f"  {o['id']}: " + "；".join(r["zh"] for r in o["reasons"]))
