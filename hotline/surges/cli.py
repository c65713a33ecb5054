"""``hotline surges detect``: find a day's surges in every city (or one) and store them as alerts."""

from __future__ import annotations

import json
from datetime import date

import typer

surges_app = typer.Typer(help="突发/激增 · surges: counts above their expected level", no_args_is_help=True)


@surges_app.command("detect")
def detect_cmd(
    day: str | None = typer.Option(None, "--day", help="the local day YYYY-MM-DD (default: today)"),
    city: str | None = typer.Option(None, "--city", help="the city's code (default: every city)"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object per city"),
) -> None:
    """Test every category × territory series and open hot matter on the day; idempotent per (series, day)."""
    from hotline import registry
    from hotline.city.service import cities, city_tz
    from hotline.city.tenancy import acting_as, scope_by_code
    from hotline.db import session_factory, utcnow
    from hotline.sla.service import bound
    from hotline.surges.detect import detect

    registry.install()
    try:
        wanted = date.fromisoformat(day) if day else None
    except ValueError:
        raise typer.BadParameter(f"日期格式应为2026-12-01 / a date like 2026-12-01: {day}", param_hint="--day") from None
    with session_factory()() as db:
        every = [(c.code, c.name) for c in cities(db) if city is None or c.code == city]
    if not every:
        raise typer.BadParameter(f"没有该城市 / no such city: {city}", param_hint="--city")
    for code, name in every:
        with session_factory()() as db, acting_as(scope_by_code(db, code)):
            tz = city_tz()
            d = wanted or utcnow().astimezone(tz).date()
            _, cal = bound()
            out = detect(db, day=d, now=utcnow(), tz=tz, cal=cal)
            db.commit()
        out.pop("shape", None) if not as_json else None
        if as_json:
            typer.echo(json.dumps({"city": code, **out}, ensure_ascii=False))
        else:
            typer.echo(f"{name} {out['day']}: {out['found']} 个突发 / surges "
                       f"({out['alerts_new']} 新 / new, {out['alerts_updated']} 更新 / updated)")
