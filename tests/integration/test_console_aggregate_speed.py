"""Console speed of the aggregate pages (issue #20 item 7) without timing: /kpi, /dashboard, /telephony and
/supervision read a fixed number of statements however many orders and calls there are, the rate cells
built in Python are the Jinja loop they replace, and /telephony's figures are unchanged by reading flags.

The statements are counted with the engine listener of ``test_console_speed``."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from jinja2 import Environment
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.kpi import cells, definitions, formulas
from hotline.telephony import service as telephony
from hotline.telephony.models import CallRecord
from hotline.web.templating import fmt_pct
from tests.conftest import login
from tests.integration.test_console_speed import _orders, _statements

# The loop of kpi_rankings.html that ``cells.rate_cells`` replaced, verbatim.
LOOP = ('{% for k in kpi_rates %}{% set ci = r[k.key ~ "_ci"] %}<td data-rate="{{ k.key }}"><a href="/kpi/drill?{{ qs }}'
        '&unit={{ r.unit_code }}&measure={{ k.drill }}">{{ pct(r[k.key]) }}</a>\n'
        '        <div class="small muted sample" data-n="{{ r[k.key ~ \'_n\'] }}">n={{ r[k.key ~ "_n"] }}{% if ci %} · '
        '{{ "%.1f" | format(100 * ci[0]) }}–{{ "%.1f" | format(100 * ci[1]) }}%{% endif %}</div></td>{% endfor %}')


def _calls(db: Session, n: int, tag: str) -> None:
    """``n`` calls of the last days: answered (some without a recorded wait), abandoned, still offered."""
    now = utcnow()
    for i in range(n):
        at = now - timedelta(days=i % 5, minutes=7 * i + 1)
        kind = i % 4
        db.add(CallRecord(call_id=f"{tag}-{i}", caller=f"139{i:08d}", state=("answered", "answered", "abandoned",
                                                                               "offered")[kind], offered_at=at,
                          answered_at=at + timedelta(seconds=5 + i) if kind < 2 else None,
                          abandoned_at=at + timedelta(seconds=40) if kind == 2 else None,
                          wait_s=(5 + i if kind == 0 else None) if kind < 2 else None))
    db.commit()


def test_aggregate_pages_statements_do_not_grow(client: TestClient, db: Session) -> None:
    login(client, "admin", db=db)
    _orders(db, 4)
    _calls(db, 8, "a")
    few = {p: _statements(client, p)[0] for p in ("/kpi", "/dashboard", "/telephony")}
    orders = _orders(db, 16)
    _calls(db, 40, "b")
    many = {}
    for p in ("/kpi", "/dashboard", "/telephony"):
        many[p], html = _statements(client, p)
        if p == "/telephony":
            assert "48" in html  # every call of the week is offered (8 + 40)
    assert many == few, f"statements with 4 orders and 8 calls {few}, with 20 orders and 48 calls {many}"
    assert orders
    client.cookies.clear()
    login(client, "supervisor", db=db)
    a = _statements(client, "/supervision")[0]
    _orders(db, 10)
    b = _statements(client, "/supervision")[0]
    assert a == b, f"/supervision read {a} statements, then {b} with 10 more orders"


def test_rate_cells_are_the_loop_they_replace() -> None:
    env = Environment(autoescape=True)
    env.globals["pct"] = fmt_pct
    loop = env.from_string(LOOP)
    base = {"unit_code": 'U&1"<x>', **{f"{k.key}_n": 0 for k in definitions.RATES},
            **{f"{k.key}_ci": None for k in definitions.RATES}, **{k.key: None for k in definitions.RATES}}
    rows = [base]
    for i, (num, den) in enumerate(((3, 7), (10, 10), (0, 4), (1, 1000))):
        rows.append({**base, "unit_code": f"D{i:03d}", **{f"{k.key}_n": den for k in definitions.RATES},
                     **{f"{k.key}_ci": formulas.wilson(num, den) for k in definitions.RATES},
                     **{k.key: num / den for k in definitions.RATES}})
    for qs in ("kind=month&value=2026-11", "kind=custom&start=2026-11-01&end=<b>"):
        for r in rows:
            assert str(cells.rate_cells(r, definitions.RATES, qs)) == loop.render(
                kpi_rates=definitions.RATES, r=r, qs=qs)


def test_telephony_metrics_with_and_without_recorded_waits(db: Session) -> None:
    """Reading answered/abandoned as flags keeps every figure, the wait taken from the timestamps where none was
    recorded."""
    _calls(db, 12, "m")
    now = utcnow()
    m = telephony.metrics(db, start=now - timedelta(days=6), end=now + timedelta(minutes=1))
    # by hand from the rows
    rows = [(c.offered_at, c.answered_at, c.abandoned_at, c.wait_s) for c in db.query(CallRecord)
            .filter(CallRecord.call_id.like("m-%"))]
    answered = [r for r in rows if r[1] is not None]
    waits = [r[3] if r[3] is not None else int((r[1] - r[0]).total_seconds()) for r in answered]
    assert any(r[3] is None for r in answered) and any(r[3] is not None for r in answered)
    assert (m["offered"], m["answered"], m["abandoned"]) == (12, 6, 3)
    assert m["average_wait_s"] == round(sum(waits) / len(waits), 1)
    assert m["answered_within_rate"] == round(sum(w <= 15 for w in waits) / 12, 4)
    assert sum(h["answered"] for h in m["by_hour"]) == 6 and sum(h["abandoned"] for h in m["by_hour"]) == 3
