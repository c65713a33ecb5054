"""``hotline city add FILE``: the provincial administrator creates a city from its city file.

Registered on the existing ``hotline city`` group (``hotline.cli.city_app``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer


def city_add(path: Annotated[Path, typer.Argument(help="The new city's city file (YAML)")],
             no_users: Annotated[bool, typer.Option("--no-users", help="Skip the file's demo users")] = False,
             ) -> None:
    """Create a city (or refresh one, by its code) from a city file: units, categories, users."""
    from hotline.city.loader import CityFileError
    from hotline.city.service import add_city
    from hotline.db import session_scope

    _cli()._upgrade()
    try:
        with session_scope() as db:
            row = add_city(db, path, with_users=not no_users)
            typer.echo(f"city {row.code} ({row.name}): id {row.id}")
    except CityFileError as exc:
        typer.echo(f"invalid: {exc}", err=True)
        raise typer.Exit(2) from exc


def _cli():  # type: ignore[no-untyped-def]
    """The ``hotline.cli`` module being loaded (``__main__`` under ``python -m hotline.cli``)."""
    for name in ("hotline.cli", "__main__"):
        mod = sys.modules.get(name)
        if getattr(mod, "city_app", None) is not None:
            return mod
    import hotline.cli

    return hotline.cli


_cli().city_app.command("add")(city_add)
