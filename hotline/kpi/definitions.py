"""Every KPI defined once: which records it counts, which of them pass, and the rate they make.

Why: the figures used to be written three times — as Python (``formulas.py``), as SQL
(``queries.py``) and as the drill-down's filter (``drill.py``) — kept equal by hand.  Here each
predicate is written once, in a small expression language over a record's fields (``expr.py``), and
*evaluated* on a plain record (the pure formula), *compiled* to SQL (the GROUP BY figures) and
compiled again to list the drill-down's rows.  ``tests/integration/test_kpi_definitions.py``
checks on orders in the database, for every count, that the three agree.

The vocabulary (docs/kpi.md §1–§2):

- a **family** is one kind of record the figures are built from (lead assignments, approved
  returns, evaluations, intakes) with the rule that leaves a record out of every figure
  (designated unreasonable, merged, appeal accepted);
- a **source** is the records of one family that a period holds, dated by one of their times
  (an assignment is "dispatched" by its ``assigned_at``, "due" by its ``due_at``);
- a **count** is a source's records (its total) or those of them that pass a predicate;
- a **rate** is counts over a count (``num / den``), with its name, its drill-down and where it shows.

This module is pure: field names only.  ``queries.py`` maps them to columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hotline.kpi.expr import ALWAYS, AS_OF, Expr, F, Rule

# ---------------------------------------------------------------- families, sources, counts, rates


@dataclass(frozen=True)
class Family:
    """One kind of record, and why a record of it is left out of every figure (still listed, marked)."""

    key: str
    excluded: tuple[tuple[str, Expr], ...]  # (reason shown in the drill-down, when) — first match names it

    def rules(self) -> tuple[tuple[str, Expr], ...]:
        """Each exclusion guarded by its rule's switch (the reason is the rule's key, EXCLUSION_RULES):
        a rule switched off in the KPI settings excludes nothing."""
        return tuple((reason, Rule(reason) & e) for reason, e in self.excluded)

    def exclusion(self) -> Expr:
        out: Expr | None = None
        for _, e in self.rules():
            out = e if out is None else out | e
        return out if out is not None else ~ALWAYS


@dataclass(frozen=True)
class Count:
    key: str  # a field of formulas.Counts
    label: str  # export column
    en: str
    when: Expr = ALWAYS  # which of the source's records it counts (ALWAYS: the source's total)


@dataclass(frozen=True)
class Source:
    key: str  # also the drill-down's ``measure``
    label: str  # the drill-down's title
    en: str
    family: Family
    dated_by: str  # the field whose time puts a record in a period (half-open [start, end))
    counts: tuple[Count, ...]
    where: Expr = ALWAYS  # which of the family's records belong to the source at all
    per_unit: bool = True  # False: a centre-wide figure (first contact)


def holds(src: Source, rec: Any, start: Any, end: Any, env: Mapping[str, Any]) -> bool:
    """Whether a plain record is one of the source's counted records in ``[start, end)``."""
    at = getattr(rec, src.dated_by)
    return (at is not None and start <= at < end and not src.family.exclusion().test(rec, env)
            and src.where.test(rec, env))


@dataclass(frozen=True)
class Rate:
    key: str
    label: str
    en: str
    num: tuple[str, ...]  # counts summed into the numerator
    den: str
    drill: str  # the source its figure links to
    num_if_basic: tuple[str, ...] = ()  # added to ``num`` when 基本满意 counts as satisfied (a setting)
    on_dashboard: bool = True  # in the dashboard's totals line (every rate is on /kpi and in the export)
    public: bool = False  # on /public/performance


# "objection": a sustained 派单异议 (hotline.appeals) takes the order out of the objecting unit's figures
# only — its assignments, returns and evaluations of that order (国办函〔2025〕66号, docs/rules.md)
ASSIGNMENT = Family("assignment", (("designation", F.designated.is_true()), ("merged", F.end_reason == "merged"),
                                   ("objection", F.objected.is_true())))
RETURN = Family("return", (("designation", F.designated.is_true()), ("objection", F.objected.is_true())))
EVALUATION = Family("evaluation", (("appeal", F.excluded_reason == "appeal"),
                                   ("designation", F.excluded_reason == "designation"),
                                   ("objection", F.objected.is_true())))
INTAKE = Family("intake", (("merged", F.merged.is_true()),))

#: The exclusion rules, each a switch of the KPI settings (``kpi.exclusions``, hotline.city.kpi_settings):
#: key (a reason of the families above), Chinese label, what it leaves out when on.
EXCLUSION_RULES: tuple[tuple[str, str, str], ...] = (
    ("designation", "不合理诉求不计入", "经认定的不合理诉求：该工单的派单、退单、评价均不计入"),
    ("merged", "并单不计入", "已并单的重复工单：不计入"),
    ("appeal", "申诉采纳的评价不计入", "申诉已采纳的评价：不计入"),
    ("objection", "派单异议成立不计入", "派单异议成立：该工单不计入提出异议单位的派单、退单和评价"),
    # not an exclusion of records but of the time an approved extension added: off, an extended assignment
    # is judged on its first deadline (kpi_assignment_limits.first_due_at); see ON_TIME below
    ("extension", "批准延期不计超时", "批准的延期：按延期后的期限判断是否按期办结"),
)
RULE_KEYS: tuple[str, ...] = tuple(k for k, _, _ in EXCLUSION_RULES)

# Assignments that ended before the unit could finish are not "due to complete" (merged ones are
# out of every figure already, ASSIGNMENT.excluded, and listed as such in the drill-down).
ENDED_EARLY = frozenset({"returned", "redispatched", "withdrawn", "unit_merged"})  # unit_merged: hotline.units

# 按期办结 against the deadline in force: the extended one while 批准延期不计超时 is on, else the first one.
# An assignment stays dated by its extended deadline (due_at) either way; with the rule off, an unreplied
# one is due as soon as its first deadline has passed.
EXTENDED = Rule("extension")
ON_TIME = (EXTENDED & (F.replied_at <= F.due_at)) | (~EXTENDED & (F.replied_at <= F.first_due_at))
PAST_DUE = (F.due_at < AS_OF) | (~EXTENDED & (F.first_due_at < AS_OF))

SOURCES: tuple[Source, ...] = (
    Source("dispatched", "派单（签收及时率、退单率分母）", "Dispatches (response and return rate base)",
           ASSIGNMENT, "assigned_at", (
               Count("dispatched", "派单数", "Dispatches"),
               Count("signed_on_time", "按时签收数", "Signed in time",
                     F.signed_at.is_not_none() & (F.sign_due_at.is_none() | (F.signed_at <= F.sign_due_at))),
               Count("signed_24h", "24小时内签收数", "Signed within 24 h", F.signed_at.within(F.assigned_at, hours=24)),
           )),
    Source("due", "应办结（按期办结率分母）", "Due to complete (on-time base)", ASSIGNMENT, "due_at", (
        Count("due", "应办结数", "Due to complete"),
        Count("on_time", "按期办结数", "Completed on time", ON_TIME),
    ), where=F.end_reason.not_in(ENDED_EARLY) & (PAST_DUE | F.replied_at.is_not_none())),
    Source("returns", "退单", "Returns", RETURN, "at", (Count("returns", "退单数", "Returns"),)),
    Source("replied", "答复（重办率分母）", "Replies (reopen rate base)", ASSIGNMENT, "replied_at", (
        Count("replied", "答复数", "Replies"),)),
    Source("reopened", "重办", "Reopened", ASSIGNMENT, "ended_at", (Count("reopened", "重办数", "Reopened"),),
           where=F.end_reason == "reopened"),
    Source("evaluated", "评价（解决率、满意率分母）", "Evaluations (resolution and satisfaction base)",
           EVALUATION, "at", (
               Count("evaluated", "评价数", "Evaluations"),
               Count("solved", "解决数", "Solved", F.solved.is_true()),
               Count("satisfied", "满意数", "Satisfied", F.satisfaction == "satisfied"),
               Count("basic", "基本满意数", "Fairly satisfied", F.satisfaction == "basic"),
               Count("dissatisfied", "不满意数", "Dissatisfied", F.satisfaction == "dissatisfied"),
           ), where=F.unit_id.is_not_none()),
)
CENTRE_SOURCES: tuple[Source, ...] = (
    Source("received", "受理", "Received", INTAKE, "created_at", (
        Count("received", "受理量", "Orders received"),
        Count("first_contact_resolved", "首呼解决数", "Resolved at first contact", F.first_contact_resolved.is_true()),
        # 涉企诉求 (国办函〔2025〕66号: enterprise service desks): enterprise demands reported on their own
        Count("enterprise_received", "涉企诉求受理量", "Enterprise demands received", F.enterprise.is_true()),
    ), per_unit=False),
)

RATES: tuple[Rate, ...] = (
    Rate("response", "签收及时率", "Response rate", ("signed_on_time",), "dispatched", "dispatched", public=True),
    Rate("resolution", "解决率", "Resolution rate", ("solved",), "evaluated", "evaluated", public=True),
    Rate("satisfaction", "满意率", "Satisfaction rate", ("satisfied",), "evaluated", "evaluated",
         num_if_basic=("basic",), public=True),
    Rate("on_time", "按期办结率", "On-time completion rate", ("on_time",), "due", "due"),
    # Zhungeer Banner's 24-hour sign rate (DOMAIN.md), whatever sign limit the order had
    Rate("sign_24h", "24小时签收率", "24-hour sign rate", ("signed_24h",), "dispatched", "dispatched"),
    Rate("return_rate", "退单率", "Return rate", ("returns",), "dispatched", "returns", on_dashboard=False),
    Rate("reopen_rate", "重办率", "Reopen rate", ("reopened",), "replied", "reopened", on_dashboard=False),
)
CENTRE_RATES: tuple[Rate, ...] = (
    Rate("first_contact", "首呼解决率", "First-contact resolution rate", ("first_contact_resolved",), "received",
         "received"),
)

COUNTS: tuple[Count, ...] = tuple(c for s in SOURCES for c in s.counts)
COUNT_KEYS: tuple[str, ...] = tuple(c.key for c in COUNTS)
RATE_KEYS: tuple[str, ...] = tuple(r.key for r in RATES)
RATE_OF: dict[str, Rate] = {r.key: r for r in RATES + CENTRE_RATES}
SOURCE_OF: dict[str, Source] = {c.key: s for s in SOURCES + CENTRE_SOURCES for c in s.counts}
COUNT_OF: dict[str, Count] = {c.key: c for s in SOURCES + CENTRE_SOURCES for c in s.counts}
MEASURES: dict[str, str] = {s.key: s.label for s in SOURCES}  # the drill-down's measures


def row_key(count: str) -> str:
    """The key of a count in a ranking row: a count named like a rate (on_time) is ``<name>_count``."""
    return f"{count}_count" if count in RATE_KEYS else count


def english() -> dict[str, str]:
    """The English of every label here (collected into the KPI package's i18n catalogue)."""
    out = {r.label: r.en for r in RATES + CENTRE_RATES}
    out.update({c.label: c.en for c in COUNTS})
    out.update({s.label: s.en for s in SOURCES + CENTRE_SOURCES})
    return out


def check() -> None:
    """Definitions that cannot work are refused at import (a typo would otherwise count nothing)."""
    keys = [c.key for s in SOURCES + CENTRE_SOURCES for c in s.counts]
    if len(keys) != len(set(keys)):
        raise ValueError(f"a count is defined twice: {keys}")
    for r in RATES + CENTRE_RATES:
        for k in (*r.num, *r.num_if_basic, r.den):
            if k not in COUNT_OF:
                raise ValueError(f"rate {r.key}: unknown count {k}")
        if r.drill not in {s.key for s in SOURCES + CENTRE_SOURCES}:
            raise ValueError(f"rate {r.key}: unknown drill-down {r.drill}")
    if "extension" not in RULE_KEYS:
        raise ValueError("the rule extension (ON_TIME) is not in EXCLUSION_RULES")
    for fam in (ASSIGNMENT, RETURN, EVALUATION, INTAKE):
        for reason, _ in fam.excluded:
            if reason not in RULE_KEYS:
                raise ValueError(f"family {fam.key}: exclusion {reason} has no rule (EXCLUSION_RULES)")


check()
