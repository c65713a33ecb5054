"""``hotline reports monthly --month YYYY-MM [-o file.pdf]``: make (and store) a month's report."""

from __future__ import annotations

from pathlib import Path

import typer

from hotline.errors import AppError

reports_app = typer.Typer(help="月度分析报告 · the monthly analysis report", no_args_is_help=True)


@reports_app.command("monthly")
def monthly(month: str = typer.Option("", "--month", help="YYYY-MM; default: last month"),
            out: Path | None = typer.Option(None, "-o", "--output", help="write the PDF here"),
            replace: bool = typer.Option(False, "--replace", help="make the stored PDF again"),
            send: bool = typer.Option(False, "--send", help="queue it to the subscribers")) -> None:
    """Make the month's PDF (a closed month is stored in monthly_reports and reused)."""
    from hotline.db import session_scope, utcnow
    from hotline.reports import service

    try:
        y, m = service.parse_month(month)
        with session_scope() as db:
            now = utcnow()
            if service.context(db, y, m, now=now).period.end <= now:
                row = service.generate(db, y, m, label_="cli", now=now, replace=replace)
                pdf, sha = row.file, row.sha256
                if send:
                    typer.echo(f"queued {service.send(db, row)} notices")
            else:
                pdf = service.to_pdf(service.print_html(service.build(db, y, m, now=now)))
                sha = ""
    except AppError as exc:
        typer.echo(f"{exc.zh} / {exc.en}", err=True)
        raise typer.Exit(2) from exc
    if out is not None:
        out.write_bytes(pdf)
    typer.echo(f"{service.label(y, m)}: {len(pdf)} bytes{' sha256 ' + sha if sha else ''}"
               f"{' -> ' + str(out) if out else ''}")
