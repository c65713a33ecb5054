"""Charts of the report drawn as static SVG in Python (docs/decisions.md, "Monthly report charts").

Why not ECharts here: the PDF is printed by Chromium from a file, and a chart that needs JavaScript to
draw is a race with the print; ECharts' server-side SVG renderer exists only in JavaScript.  A bar
chart is a few rectangles: drawn here, it is in the HTML the browser shows and in every PDF page,
with its figures as text a reader (and pypdf) can find, and a <title> for screen readers.
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup

BAR_H, GAP, LABEL_W, VALUE_W, WIDTH = 18, 6, 190, 80, 640


def bars(title: str, items: list[tuple[str, float, str]], *, max_value: float | None = None) -> Markup:
    """A horizontal bar chart: ``items`` are (label, value, the value as printed)."""
    if not items:
        return Markup("")
    top = max_value if max_value is not None else max((v for _, v, _ in items), default=0.0)
    top = top or 1.0
    span = WIDTH - LABEL_W - VALUE_W
    height = len(items) * (BAR_H + GAP) + GAP
    out = [f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
           f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for i, (label, value, shown) in enumerate(items):
        y = GAP + i * (BAR_H + GAP)
        w = max(0.0, min(1.0, value / top)) * span
        text = label if len(label) <= 14 else label[:13] + "…"
        out.append(f'<text x="{LABEL_W - 6}" y="{y + BAR_H - 5}" text-anchor="end" font-size="12" '
                   f'fill="#1f2933">{escape(text)}</text>')
        out.append(f'<rect x="{LABEL_W}" y="{y}" width="{w:.1f}" height="{BAR_H}" fill="#2b6cb0"/>')
        out.append(f'<text x="{LABEL_W + w + 4:.1f}" y="{y + BAR_H - 5}" font-size="12" '
                   f'fill="#1f2933">{escape(shown)}</text>')
    out.append("</svg>")
    return Markup("".join(out))
