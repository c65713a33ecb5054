"""The rules for duplicates and repeat demands, with defaults; a city may override them.

A city file may carry a ``duplicates:`` block with the same keys (see
docs/duplicates.md); until the city schema knows that key, the defaults apply.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class DuplicateRules(BaseModel):
    window_days: int = Field(30, ge=1, le=365, description="并单: look for open orders created this many days back")
    threshold: float = Field(0.44, ge=0, le=1, description="Score from which an order is shown as a likely duplicate")
    show_from: float = Field(0.25, ge=0, le=1, description="Weaker candidates down to this score are listed too")
    repeat_window_days: int = Field(30, ge=1, le=365, description="重复诉求: the same caller within this many days")
    repeat_threshold: float = Field(0.5, ge=0, le=1, description="Score from which a same-caller order is a repeat")
    reopen_window_days: int = Field(15, ge=1, le=365,
                                    description="A repeat of an order completed this recently suggests 重办")
    max_candidates: int = Field(40, ge=10, le=2000, description="Candidates scored in Python per lookup")
    auto_merge_repeats: bool = Field(
        True, description="并单 by default (国办函〔2025〕66号): merge a repeat call into the caller's open order "
        "at intake (false: only suggest it to the dispatcher)")
    urgent_after_repeats: int = Field(
        3, ge=0, le=100, description="Raise the open order to urgent once this many repeat calls are linked "
        "to it (0: never)")


def rules() -> DuplicateRules:
    """The city's rules (``duplicates:`` in the city file) or the defaults."""
    try:
        from hotline.city.service import current_city

        raw = getattr(current_city(), "duplicates", None)
    except Exception:  # noqa: BLE001 - no city loaded (unit tests): defaults
        raw = None
    if isinstance(raw, DuplicateRules):
        return raw
    return DuplicateRules.model_validate(raw or {})
