"""KPI and callback settings, read from the city file's ``kpi:`` block with safe defaults.

A block of the city file, so it lives with the city file (callbacks and kpi both read it).

Why a model here: no official formula exists (docs/kpi.md), so every choice a
city may make differently — weights, whether 基本满意 counts as satisfied, the
statistics month, the callback delay — is a setting with a documented default.
A typo in the city file is refused (``extra="forbid"``) instead of silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: The composite score's default weights, by part (``hotline.kpi.formulas.COMPOSITE_PARTS``, same keys).
DEFAULT_WEIGHTS: Mapping[str, float] = {"response": 20, "on_time": 20, "resolution": 30, "satisfaction": 30}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Weights(_Strict):
    """Weights of the composite score's parts (``hotline.kpi.formulas.COMPOSITE_PARTS``); any scale, renormalised."""

    response: float = Field(DEFAULT_WEIGHTS["response"], ge=0, description="签收及时率 weight")
    on_time: float = Field(DEFAULT_WEIGHTS["on_time"], ge=0, description="按期办结率 weight (0 leaves it out)")
    resolution: float = Field(DEFAULT_WEIGHTS["resolution"], ge=0, description="解决率 weight")
    satisfaction: float = Field(DEFAULT_WEIGHTS["satisfaction"], ge=0, description="满意率 weight")

    @model_validator(mode="after")
    def _positive(self) -> Weights:
        if sum(self.as_map().values()) <= 0:
            raise ValueError("kpi.weights must not all be zero")
        return self

    def as_map(self) -> dict[str, float]:
        return {k: float(getattr(self, k)) for k in DEFAULT_WEIGHTS}


class CallbackSettings(_Strict):
    delay_hours: float = Field(2, ge=0, description="A callback task falls due this long after completion")
    retry_hours: float = Field(4, gt=0, description="After an unanswered call, try again this much later")
    max_attempts: int = Field(3, ge=1, description="Unanswered calls before the task is marked unreachable")
    rating_link_days: int = Field(7, ge=1, le=60, description="A self-rating link expires after this many days")
    skip_anonymous: bool = True
    skip_no_phone: bool = True
    close_unreachable: bool = Field(True, description="Archive the order when the citizen cannot be reached")


class ExclusionRules(_Strict):
    """Which exclusions apply (``hotline.kpi.definitions.EXCLUSION_RULES``, same keys): on, the records
    are listed in the drill-down, marked, and left out of every figure; off, they count."""

    designation: bool = Field(True, description="经认定的不合理诉求 not counted")
    merged: bool = Field(True, description="merged duplicate orders not counted")
    appeal: bool = Field(True, description="evaluations overturned on appeal not counted")
    objection: bool = Field(True, description="sustained dispatch objections: not counted for the objecting unit")
    extension: bool = Field(True, description="批准延期不计超时: on time is judged against the extended deadline; "
                                              "off: against the first one")

    def enabled(self) -> frozenset[str]:
        return frozenset(k for k, v in self.model_dump().items() if v)


class KpiSettings(_Strict):
    weights: Weights = Field(default_factory=Weights)
    basic_counts_as_satisfied: bool = Field(True, description="基本满意 counts as satisfied")
    min_orders_for_ranking: int = Field(20, ge=0, description="Fewer dispatches → listed apart, not ranked")
    summon_below_satisfaction: float = Field(0.90, ge=0, le=1, description="Flag: named and summoned (约谈)")
    month_start_day: int = Field(1, ge=1, le=28, description="Statistics month starts on this day (Hangzhou: 26)")
    objection_decide_days: int = Field(3, ge=1, le=30,
                                       description="派单异议: the centre decides within this many working days")
    callback: CallbackSettings = Field(default_factory=CallbackSettings)
    exclusions: ExclusionRules = Field(default_factory=ExclusionRules)


def kpi_settings() -> KpiSettings:
    """The acting city's settings in force: the newest saved version of its ``kpi`` block
    (``hotline.city.live``), else its city file's (cached by ``current_city``)."""
    return kpi_settings_versioned()[0]


_parsed: dict[tuple[object, ...], KpiSettings] = {}


def kpi_settings_versioned() -> tuple[KpiSettings, int]:
    """The settings in force and their version (0: the city file's block): what a ranking prints
    as 口径版本 vN."""
    from hotline.city.live import file_block, live_block

    live = live_block("kpi")
    if live is None:
        return KpiSettings.model_validate(file_block("kpi")), 0
    if live.key not in _parsed:
        if len(_parsed) > 256:
            _parsed.clear()
        _parsed[live.key] = KpiSettings.model_validate(live.body)
    return _parsed[live.key], live.version
