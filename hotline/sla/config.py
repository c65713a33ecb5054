"""The ``sla:`` section of the city file, validated.

Why configuration and not code: time limits differ from place to place
(Dongsheng's "137", Beijing's 2 h / 24 h / 7 d / 15 d tiers, Shandong's
5 working days) and change by decree.  A city edits ``sla.yaml``; these models
refuse a file that could compute a wrong deadline (a unit misspelt, working
hours that overlap, policies that leave an order unmatched).

The timezone is not here: it is the city's (``city.timezone``).
"""

from __future__ import annotations

from datetime import date, time, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hotline.city.schema import Kind
from hotline.sla.calendar import check_periods


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LimitUnit(StrEnum):
    """How a limit is counted."""

    natural_minutes = "natural_minutes"  # every minute counts, night and holiday alike
    natural_hours = "natural_hours"
    working_hours = "working_hours"  # only inside working hours on working days
    working_days = "working_days"  # end of the N-th working day after the start day

    @property
    def is_working(self) -> bool:
        """Whether the limit runs on the working calendar (and so can be uncertain)."""
        return self in (LimitUnit.working_hours, LimitUnit.working_days)


class Limit(_Strict):
    """One time limit, e.g. ``{amount: 3, unit: working_days}``."""

    amount: int = Field(ge=0)
    unit: LimitUnit

    def natural_delta(self) -> timedelta:
        """The limit as natural time; only meaningful for natural units."""
        if self.unit == LimitUnit.natural_minutes:
            return timedelta(minutes=self.amount)
        if self.unit == LimitUnit.natural_hours:
            return timedelta(hours=self.amount)
        raise ValueError(f"{self.unit} is not natural time")

    def __str__(self) -> str:
        return f"{self.amount} {self.unit.value}"


class Match(_Strict):
    """Which orders a policy applies to.

    Every field left empty matches anything; the fields given must all match
    (AND), and within a field any value may match (OR).  So ``{}`` matches every
    order, and ``{kinds: [consultation], urgency: [normal]}`` only ordinary
    consultations.
    """

    kinds: list[Kind] = Field(default_factory=list)
    category_prefixes: list[str] = Field(
        default_factory=list, description="Category codes or code prefixes (a prefix covers its subtree)"
    )
    urgency: list[str] = Field(default_factory=list, description="Urgency values, e.g. [urgent]")
    requesters: list[Literal["citizen", "enterprise"]] = Field(
        default_factory=list, description="Who is asking, e.g. [enterprise] for 涉企诉求 (国办函〔2025〕66号)")

    @property
    def matches_everything(self) -> bool:
        return not (self.kinds or self.category_prefixes or self.urgency or self.requesters)

    def matches(self, *, kind: str, category_code: str | None, urgency: str, requester: str = "citizen") -> bool:
        if self.kinds and kind not in {k.value for k in self.kinds}:
            return False
        if self.requesters and requester not in self.requesters:
            return False
        if self.category_prefixes and (
            category_code is None or not any(category_code.startswith(p) for p in self.category_prefixes)
        ):
            return False
        return not (self.urgency and urgency not in self.urgency)


class Policy(_Strict):
    """A tier of limits: sign (签收), reply (答复), complete (办结)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Stable ASCII name, stored on the order")
    label: str = Field(description="Chinese label shown in the console, e.g. 紧急诉求")
    match: Match = Field(default_factory=Match)
    sign_within: Limit
    reply_within: Limit
    complete_within: Limit


class CalendarOverrides(_Strict):
    """Days that differ from the package's calendar; they win over it.

    List a whole year's official schedule here before ``chinese_calendar``
    knows it: listing any date of a year declares that year known, and its other
    days are then Monday–Friday working days.
    """

    extra_holidays: list[date] = Field(default_factory=list, description="Days off (weekday holidays)")
    extra_workdays: list[date] = Field(default_factory=list, description="Days worked (调休 weekends)")

    @model_validator(mode="after")
    def _disjoint(self) -> CalendarOverrides:
        both = set(self.extra_holidays) & set(self.extra_workdays)
        if both:
            raise ValueError(f"dates listed both as holiday and as workday: {sorted(both)}")
        return self


class ExtensionRules(_Strict):
    """延期: how far and how often a unit may have its deadline moved."""

    max_working_days: int = Field(default=10, ge=1, description="Most working days one extension may add")
    max_times: int = Field(default=2, ge=0, description="Most extensions one order may get")


def _default_policies() -> list[Policy]:
    # Used when a city gives none: Shandong's 5 working days and the common 72-hour reply.
    return [
        Policy(
            name="default",
            label="一般诉求",
            sign_within=Limit(amount=2, unit=LimitUnit.working_hours),
            reply_within=Limit(amount=72, unit=LimitUnit.natural_hours),
            complete_within=Limit(amount=5, unit=LimitUnit.working_days),
        )
    ]


class SlaConfig(_Strict):
    """The whole ``sla:`` section; every field has a default so ``sla: {}`` is valid."""

    working_hours: list[tuple[time, time]] = Field(
        default_factory=lambda: [(time(8, 30), time(12)), (time(14), time(17, 30))],
        description='Local working periods, e.g. [["08:30", "12:00"], ["14:00", "17:30"]]',
    )
    calendar: CalendarOverrides = Field(default_factory=CalendarOverrides)
    unknown_year: Literal["error", "weekends"] = Field(
        "error",
        description="A year whose holidays nobody knows: refuse (error) or guess Mon–Fri and flag (weekends)",
    )
    due_soon_ratio: float = Field(
        0.75, gt=0, le=1, description="Yellow light once this share of time is used"
    )
    policies: list[Policy] = Field(default_factory=_default_policies, min_length=1)
    extension: ExtensionRules = Field(default_factory=ExtensionRules)
    reopen: Limit | None = Field(
        default_factory=lambda: Limit(amount=3, unit=LimitUnit.working_days),
        description="重办: the complete limit a reopened order gets from the reopen time; "
        "null keeps the complete limit of the order's own policy",
    )

    @field_validator("working_hours")
    @classmethod
    def _periods_ok(cls, v: list[tuple[time, time]]) -> list[tuple[time, time]]:
        check_periods(v)
        return v

    @model_validator(mode="after")
    def _policies_ok(self) -> SlaConfig:
        names = [p.name for p in self.policies]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate policy names: {dupes}")
        for p in self.policies[:-1]:
            if p.match.matches_everything:
                raise ValueError(f"policy {p.name} matches every order, so the policies after it never apply")
        last = self.policies[-1]
        if not last.match.matches_everything:
            raise ValueError(f"the last policy ({last.name}) must match every order: give it no match")
        return self

    def policy_for(self, *, kind: str, category_code: str | None, urgency: str,
                   requester: str = "citizen") -> Policy:
        """The first policy that matches; the last matches everything, so there always is one."""
        return next(
            p
            for p in self.policies
            if p.match.matches(kind=kind, category_code=category_code, urgency=urgency, requester=requester)
        )

    def policy_named(self, name: str) -> Policy:
        """The policy stored on an order, e.g. to find the unit of its limits."""
        for p in self.policies:
            if p.name == name:
                return p
        raise KeyError(f"no SLA policy named {name!r}")


def limit_unit(cfg: SlaConfig, policy_name: str | None) -> LimitUnit | None:
    """The kind of time of an order's complete limit (working days, natural hours …)."""
    if not policy_name:
        return None
    base, _, tail = policy_name.partition("/")
    if tail == "reopen" and cfg.reopen is not None:
        return cfg.reopen.unit
    try:
        return cfg.policy_named(base).complete_within.unit
    except KeyError:
        return None
