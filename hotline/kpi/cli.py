"""``hotline kpi facts refresh|rebuild``: keep the daily facts table (``hotline.kpi.daily``) current by hand.

The worker refreshes it too (phase maintain, ``daily.refresh_task``); these are for a first build over
years of history, after a bulk load, or to check.  Reads never depend on it: a day without facts is
computed from the raw rows."""

from __future__ import annotations

import json
import time

import typer

kpi_app = typer.Typer(help="考核 · KPI figures", no_args_is_help=True)
facts_app = typer.Typer(help="日事实表 · the daily KPI facts (kpi_daily_facts)", no_args_is_help=True)
kpi_app.add_typer(facts_app, name="facts")


def _run(city: str | None, *, rebuild: bool, as_json: bool) -> None:
    from hotline import registry
    from hotline.city.service import cities
    from hotline.city.tenancy import acting_as, scope_by_code
    from hotline.db import session_factory, utcnow
    from hotline.kpi import daily

    registry.install()
    factory = session_factory()
    with factory() as db:
        every = [(c.code, c.name) for c in cities(db) if city is None or c.code == city]
    if not every:
        raise typer.BadParameter(f"没有该城市 / no such city: {city}", param_hint="--city")
    for code, name in every:
        with factory() as db:
            scope = scope_by_code(db, code)
        with acting_as(scope):
            t0 = time.perf_counter()
            out = daily.refresh(factory, now=utcnow(), rebuild=rebuild)
            out["seconds"] = round(time.perf_counter() - t0, 2)
        if as_json:
            typer.echo(json.dumps({"city": code, **out}, ensure_ascii=False))
        else:
            typer.echo(f"{name}: {out['days']} 天已计算 / days computed in {out['seconds']} s")


@facts_app.command("refresh")
def refresh_cmd(city: str | None = typer.Option(None, "--city", help="the city's code (default: every city)"),
                as_json: bool = typer.Option(False, "--json", help="print one JSON object per city")) -> None:
    """Recompute the settled days that are dirty or have no facts (of the exclusion rules in force)."""
    _run(city, rebuild=False, as_json=as_json)


@facts_app.command("rebuild")
def rebuild_cmd(city: str | None = typer.Option(None, "--city", help="the city's code (default: every city)"),
                as_json: bool = typer.Option(False, "--json", help="print one JSON object per city")) -> None:
    """Recompute every settled day from the first record to yesterday."""
    _run(city, rebuild=True, as_json=as_json)
