"""``hotline governance predict [--json]``: find seasonal demands and make the due 未诉先办 tasks; and the
worker's daily task doing the same."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Annotated, Any

import typer

governance_app = typer.Typer(help="每月一题与未诉先办 · monthly topics and proactive tasks", no_args_is_help=True)
EVERY = timedelta(days=1)
_last_run: dict[int, datetime] = {}


@governance_app.command("predict")
def predict_cmd(as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
                dry_run: Annotated[bool, typer.Option("--dry-run", help="show, create nothing")] = False) -> None:
    """Predict the coming seasonal demands and create proactive tasks 30 days ahead."""
    from hotline.db import session_scope, utcnow
    from hotline.governance.flows import do_predict

    with session_scope() as db:
        out = do_predict(db, now=utcnow(), create=not dry_run)
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    typer.echo(f"seasons found: {out['seasons']}; due: {len(out['due'])}; tasks created: {out['created']}")
    for d in out["due"]:
        typer.echo(f"  {d['window_start'][:10]}  {d['title']}  → {d['unit']}  predicted {d['predicted']}")


def predict_task(*, now: datetime) -> dict[str, Any]:
    """The worker's maintenance task: at most once a day per city."""
    from hotline.city.tenancy import current_scope
    from hotline.db import session_factory
    from hotline.governance.flows import do_predict

    city = current_scope().id or 0
    if city in _last_run and timedelta(0) <= now - _last_run[city] < EVERY:
        return {"skipped": "fresh"}
    _last_run[city] = now
    with session_factory()() as db:
        try:
            out = do_predict(db, now=now)
            db.commit()
        except Exception:
            db.rollback()
            _last_run.pop(city, None)
            raise
    return {"created": out["created"]}
