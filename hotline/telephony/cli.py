"""``hotline telephony …``: demo call traffic and a staffing plan from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

telephony_app = typer.Typer(help="Phone system: simulated call traffic, staffing (Erlang C)", no_args_is_help=True)


@telephony_app.command("simulate")
def simulate(days: Annotated[int, typer.Option(min=1, max=365, help="days of history to generate")] = 7,
             calls_per_day: Annotated[int, typer.Option(min=1, max=100000)] = 1200,
             seed: Annotated[int, typer.Option()] = 12345) -> None:
    """Generate realistic call records (daily/hourly curve, some abandoned) for the demo dashboard."""
    from hotline.db import session_scope
    from hotline.telephony.flows import do_bulk_insert
    from hotline.telephony.simulate import simulate_calls

    records = simulate_calls(days=days, calls_per_day=calls_per_day, seed=seed)
    with session_scope() as db:
        n = do_bulk_insert(db, records=records, label="cli:telephony simulate")
    typer.echo(f"inserted {n} simulated calls over {days} days")


@telephony_app.command("staffing")
def staffing(calls: Annotated[str, typer.Argument(help="calls per hour, comma separated")],
             aht: Annotated[float, typer.Option(help="average handle time, seconds")] = 330,
             sl: Annotated[float, typer.Option(help="service level target, 0..1")] = 0.95,
             within: Annotated[float, typer.Option(help="answer within seconds")] = 15) -> None:
    """Print the operators each hour needs (Erlang C)."""
    from hotline.telephony.erlang import agents_needed

    for hour, v in enumerate(float(x) for x in calls.split(",") if x.strip()):
        s = agents_needed(v, aht, target_sl=sl, target_s=within)
        typer.echo(f"{hour:02d}:00  calls {v:>7g}  agents {s.agents:>4}  SL {s.service_level:6.1%}  "
                   f"ASA {s.asa_s:6.1f}s")
