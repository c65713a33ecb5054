"""``hotline sla …``: answer "when is this due?" from the command line.

Why: dispatchers and city administrators check a new holiday schedule or a
policy change by asking the same calendar the platform uses, before orders
depend on it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import typer

from hotline.sla.calendar import Deadline, UnknownCalendarYear, WorkCalendar
from hotline.sla.config import SlaConfig
from hotline.sla.policy import build_calendar

sla_app = typer.Typer(help="Time limits (时限): working-day calendar and deadlines.", no_args_is_help=True)


@sla_app.callback()
def _group() -> None:
    """Time limits (时限): working-day calendar and deadlines."""


def _parse_start(value: str) -> datetime:
    try:
        start = datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"not an ISO 8601 datetime: {value!r}", param_hint="--start") from exc
    if start.tzinfo is None or start.utcoffset() is None:
        raise typer.BadParameter(
            f"{value!r} has no timezone: add an offset, e.g. {value}+08:00", param_hint="--start"
        )
    return start


def _calendar(city: Path | None) -> WorkCalendar:
    """The city's calendar; the demo city when no path is given."""
    from hotline.city.loader import CityFileError, load_city

    try:
        loaded = load_city(city)
        cfg = SlaConfig.model_validate(loaded.sla or {})
    except (CityFileError, ValueError) as exc:
        raise typer.BadParameter(str(exc), param_hint="--city") from exc
    return build_calendar(cfg, timezone=loaded.city.timezone)


@sla_app.command()
def deadline(
    start: str = typer.Option(..., help="Start instant with offset, e.g. 2026-09-30T16:00:00+08:00"),
    working_days: int | None = typer.Option(
        None, min=0, help="End of the N-th working day after the start day"
    ),
    working_hours: int | None = typer.Option(None, min=0, help="N hours counted inside working hours"),
    natural_hours: int | None = typer.Option(None, min=0, help="N hours of natural time"),
    city: Path | None = typer.Option(None, help="City file (default: the demo city)"),
) -> None:
    """Print the deadline as ISO 8601 with offset; exactly one of the three limits."""
    begin = _parse_start(start)
    given = [x for x in (working_days, working_hours, natural_hours) if x is not None]
    if len(given) != 1:
        raise typer.BadParameter("give exactly one of --working-days, --working-hours, --natural-hours")
    cal = _calendar(city)
    try:
        due: Deadline
        if working_days is not None:
            due = cal.add_working_days(begin, working_days)
        elif working_hours is not None:
            due = cal.add_working_minutes(begin, working_hours * 60)
        else:
            due = cal.add_natural(begin, timedelta(hours=natural_hours or 0))
    except UnknownCalendarYear as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(due.at.isoformat())
    if due.uncertain:
        typer.echo("warning: guessed Mon–Fri for a year whose holidays are not known", err=True)
