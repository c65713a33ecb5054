"""The ranking's caliber (口径): the formula, each rate's numerator and denominator, what is left out,
who is not ranked — printed on every ranking page and every export, from the same definitions.

Why: 国办函〔2025〕66号 asks that assessment not chase rankings one-sidedly.  A leader reading a
ranking (or the xlsx it exports) sees how each figure is made and how sure it is: each rate with its
sample size and a Wilson 95 % interval (``formulas.wilson``), units under the minimum volume listed
apart, and the records that do not count — designated unreasonable demands and sustained dispatch
objections among them.
"""

from __future__ import annotations

from dataclasses import dataclass

from hotline.city.kpi_settings import KpiSettings
from hotline.kpi import definitions as d
from hotline.kpi import formulas

#: What no figure counts while its rule is on (definitions.EXCLUSION_RULES; English in i18n_en).
EXCLUSIONS: tuple[str, ...] = tuple(text for k, _, text in d.EXCLUSION_RULES if k != "extension")
RULE_OFF = "排除规则已关闭，计入："
CONFIDENCE = "每项比率旁为样本量n（分母）与Wilson 95%置信区间：样本越少区间越宽，相邻名次的差别未必真实"
#: The deadline 按期办结 is judged against (the rule extension, 批准延期不计超时, on / off).
DEADLINE_EXTENDED = "按期办结以批准延期后的期限判断（批准延期不计超时）"
DEADLINE_FIRST = "按期办结以首次办理期限判断（批准的延期仍计超时）"
PUSHDOWN = "下沉派单：派单目录明确由职能部门承办、却派给该街道乡镇（含其社区）的工单数及其占派单数的比例"


@dataclass(frozen=True)
class Caliber:
    formula: list[tuple[str, float]]  # (rate label, share of 100)
    rates: list[tuple[str, list[str], str]]  # (rate label, numerator count labels, denominator count label)
    exclusions: tuple[str, ...]  # the rules that are on: what no figure counts
    min_orders: int
    basic_counts: bool
    version: int = 0  # the KPI settings' version (hotline.city.live; 0: the city file's block)
    counted: tuple[str, ...] = ()  # the rules switched off in that version: these records count
    deadline: str = DEADLINE_EXTENDED  # the deadline the on-time rate judges against (rule extension)


def of(cfg: KpiSettings, version: int = 0) -> Caliber:
    rates = []
    for r in d.RATES:
        num = r.num + (r.num_if_basic if cfg.basic_counts_as_satisfied else ())
        rates.append((r.label, [d.COUNT_OF[k].label for k in num], d.COUNT_OF[r.den].label))
    on = cfg.exclusions.enabled()
    records = [(k, t) for k, _, t in d.EXCLUSION_RULES if k != "extension"]  # extension: a deadline, no records
    return Caliber(formulas.composite_formula(cfg.weights.as_map()), rates,
                   tuple(t for k, t in records if k in on), cfg.min_orders_for_ranking,
                   cfg.basic_counts_as_satisfied, version, tuple(t for k, t in records if k not in on),
                   DEADLINE_EXTENDED if "extension" in on else DEADLINE_FIRST)


def version_line(version: int) -> str:
    """口径版本 vN: which version of the KPI settings a ranking was computed with."""
    return f"口径版本 v{version}" + ("（城市文件）" if version == 0 else "")


def lines(cfg: KpiSettings, version: int = 0) -> list[str]:
    """The caliber as Chinese lines, for the exports (the settings' version first)."""
    c = of(cfg, version)
    parts = " + ".join(f"{name} × {share:g}%" for name, share in ((n, round(s, 1)) for n, s in c.formula))
    out = ["口径说明", version_line(c.version), f"综合得分 = {parts}（无数据的指标不计入，其余权重按比例折算）"]
    out += [f"{label} = {' + '.join(num)} ÷ {den}" for label, num, den in c.rates]
    out.append("基本满意计为满意" if c.basic_counts else "基本满意不计为满意")
    out += [f"不计入：{x}" for x in c.exclusions]
    out += [f"{RULE_OFF}{x}" for x in c.counted]
    out.append(c.deadline)
    out.append(f"派单数少于{c.min_orders}件的单位不参与排名，单列（城市设置 kpi.min_orders_for_ranking）")
    out += [CONFIDENCE, PUSHDOWN]
    return out
