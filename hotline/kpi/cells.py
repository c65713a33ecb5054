"""The rate cells of a ranking row, built in Python (issue #20 item 7: every console page ≤ 150 ms p95).

/kpi shows every ranked unit (~100 on the demo) with one cell per rate: its figure linked to the
drill-down, its sample size and its Wilson interval.  As a Jinja loop those ~500 cells were half of
the page's time (string concatenation of ``k.key ~ "_ci"`` and an escape per value); here the same
HTML is built once per row.  ``tests/integration/test_console_aggregate_speed.py`` checks it against
the Jinja loop it replaces, byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from markupsafe import Markup, escape

from hotline.kpi.definitions import Rate


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


def rate_cells(r: Mapping[str, Any], rates: Iterable[Rate], qs: str) -> Markup:
    """``<td data-rate>`` for each of ``rates`` of the ranking row ``r`` (``rankings.row``)."""
    head = f'"><a href="/kpi/drill?{escape(qs)}&unit={escape(r["unit_code"])}&measure='
    out = []
    for k in rates:
        n = escape(r[k.key + "_n"])
        ci = r[k.key + "_ci"]
        band = f" · {100 * ci[0]:.1f}–{100 * ci[1]:.1f}%" if ci else ""
        out.append(f'<td data-rate="{escape(k.key)}{head}{escape(k.drill)}">{escape(_pct(r[k.key]))}</a>\n'
                   f'        <div class="small muted sample" data-n="{n}">n={n}{band}</div></td>')
    return Markup("".join(out))  # noqa: S704 — every value above is escaped
