"""``pct`` is one Jinja global/filter (hotline/web/templating.py) with the output the four
templates' macros had; the city file refuses a time zone that does not exist."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from hotline.city.schema import CityInfo
from hotline.web.templating import fmt_pct, templates

TEMPLATES = Path(__file__).resolve().parents[2] / "hotline" / "web" / "templates"


def test_pct_formats_like_the_old_macros() -> None:
    assert fmt_pct(None) == "—" and fmt_pct(None, 1) == "—"
    assert fmt_pct(0.98765) == "98.77%" and fmt_pct(0.98765, 1) == "98.8%"
    assert fmt_pct(0) == "0.00%" and fmt_pct(1, 1) == "100.0%"
    out = templates.env.from_string("{{ pct(a) }}|{{ b | pct(1) }}|{{ pct(c) }}").render(a=0.6, b=0.955, c=None)
    assert out == "60.00%|95.5%|—"


def test_no_template_defines_its_own_pct() -> None:
    defined = [p.name for p in TEMPLATES.rglob("*.html") if "macro pct" in p.read_text(encoding="utf-8")]
    assert defined == []


def test_unknown_time_zone_is_refused() -> None:
    base = {"code": "x", "name": "X市", "hotline_name": "X市12345"}
    assert CityInfo(**base, timezone="Europe/Berlin").timezone == "Europe/Berlin"
    with pytest.raises(ValidationError, match="unknown time zone"):
        CityInfo(**base, timezone="Asia/Nowhere")
