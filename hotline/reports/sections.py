"""The report's sections: one builder per section, each ``fn(ctx) -> Section`` (a chart and tables).

Why a list of builders: sections that other packages own join by adding a builder, not by editing
the template.  ``SECTIONS`` are this package's; a package installed later adds its own with
``r.extend("reports.sections", fn)``, and ``from_summary`` turns a ``month_summary(db, start, end) ->
list[dict]`` (the shape hotline/surges and hotline/governance provide) into a section.  The surges
section (突增情况) reads ``hotline.surges.service.month_summary`` and the 每月一题 section
``hotline.governance.service.month_summary`` directly: both packages are installed before this one, so
this package may import them (the other way round it may not).

Every figure comes from the code the /kpi and /hotspots pages use (``kpi.queries``, ``kpi.rankings``,
the stored ``HotMatter`` rows), so the report and the pages agree for the same month
(tests/integration/test_reports.py compares them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.city.kpi_settings import KpiSettings
from hotline.city.schema import KIND_LABELS_ZH
from hotline.city.service import city_tz
from hotline.governance import service as governance_service
from hotline.hotspots.models import HotMatter
from hotline.kpi import caliber, definitions, queries, rankings
from hotline.kpi.formulas import Counts, Period
from hotline.orders.enums import CHANNEL_ZH
from hotline.orders.models import Order
from hotline.org.models import Category
from hotline.reports.charts import bars
from hotline.surges import service as surge_service
from hotline.web.templating import fmt_pct

TOP = 10  # hot matters, systemic problems and units listed per table
SUMMONED = "满意率低于约谈线"


@dataclass
class Table:
    caption: str
    head: list[str]
    rows: list[list[str]]


#: a line of a section: Chinese, or (Chinese, English) for the console's English switch
Line = str | tuple[str, str]


@dataclass
class Section:
    key: str
    title: str
    lines: list[Line] = field(default_factory=list)
    chart: Markup = field(default_factory=lambda: Markup(""))
    tables: list[Table] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)  # the raw figures (API, tests)


@dataclass
class Ctx:
    db: Session
    month: str
    period: Period
    previous: Period  # the month before
    year_ago: Period  # the same month a year earlier
    cfg: KpiSettings
    version: int  # 口径版本
    as_of: datetime
    _counts: dict[int, Counts] | None = None

    def counts(self) -> dict[int, Counts]:
        """Per-unit counts of the month, computed once for the rates and the rankings."""
        if self._counts is None:
            self._counts = queries.unit_counts(self.db, self.period, as_of=self.as_of)
        return self._counts


def _in(col: Any, p: Period) -> Any:
    return (col >= p.start) & (col < p.end)


def _received(db: Session, p: Period) -> int:
    return queries.centre_counts(db, p)["received"]  # the /kpi 受理量 (merged duplicates excluded)


def _by(db: Session, p: Period, col: Any) -> list[tuple[str | None, int]]:
    q = (select(col, func.count()).where(_in(Order.created_at, p), Order.status != "merged")
         .group_by(col).order_by(func.count().desc()))
    return [(k, int(n)) for k, n in db.execute(q)]


def _change(now: int, before: int | None, *, en: bool = False) -> str:
    if before is None:
        return "— (no history)" if en else "—（无历史数据）"
    if before == 0:
        return "—"
    return f"{(now - before) / before * 100:+.1f}%"


def _compare(zh: str, en: str, n: int, before: int | None) -> tuple[str, str]:
    shown = "—" if before is None else str(before)
    return (f"{zh}：{_change(n, before)}（{'上月' if zh == '环比' else '去年同月'}{shown}件）",
            f"{en}: {_change(n, before, en=True)} ({'last month' if zh == '环比' else 'a year earlier'}: {shown})")


def _has_history(db: Session, p: Period) -> bool:
    """The comparison month is covered when the city has orders from before it began."""
    first = db.scalar(select(func.min(Order.created_at)))
    return first is not None and first < p.start


def overview(ctx: Ctx) -> Section:
    db, p = ctx.db, ctx.period
    n = _received(db, p)
    prev = _received(db, ctx.previous) if _has_history(db, ctx.previous) else None
    ago = _received(db, ctx.year_ago) if _has_history(db, ctx.year_ago) else None
    cats = {c.code: c.name for c in db.scalars(select(Category).where(Category.level == 1))}
    top = func.substr(Order.category_code, 1, 2)
    by_cat = [(cats.get(c or "", "未分类"), k) for c, k in _by(db, p, top)]
    by_channel = [(CHANNEL_ZH.get(c, c or "") if c else "", k) for c, k in _by(db, p, Order.channel)]  # type: ignore[call-overload]
    kinds = {k.value: v for k, v in KIND_LABELS_ZH.items()}
    by_kind = [(kinds.get(c or "", c or ""), k) for c, k in _by(db, p, Order.kind)]

    def share(k: int) -> str:
        return fmt_pct(k / n if n else None, 1)

    return Section(
        "overview", "总体情况",
        lines=[(f"本月受理量：{n}件", f"Orders received this month: {n}"),
               _compare("环比", "Month on month", n, prev), _compare("同比", "Year on year", n, ago)],
        chart=bars("按分类的受理量", [(name, float(k), str(k)) for name, k in by_cat]),
        tables=[Table("按分类", ["分类", "工单数", "占比"], [[a, str(k), share(k)] for a, k in by_cat]),
                Table("按渠道", ["渠道", "工单数", "占比"], [[a, str(k), share(k)] for a, k in by_channel]),
                Table("按诉求类型", ["诉求类型", "工单数", "占比"], [[a, str(k), share(k)] for a, k in by_kind])],
        data={"received": n, "previous": prev, "year_ago": ago, "categories": by_cat, "channels": by_channel,
              "kinds": by_kind})


THREE = ("response", "resolution", "satisfaction")


def rates(ctx: Ctx) -> Section:
    totals = rankings.centre_totals(ctx.db, ctx.period, counts=ctx.counts())
    prev = rankings.centre_totals(ctx.db, ctx.previous, as_of=ctx.as_of)
    rows, items = [], []
    for key in THREE:
        r = definitions.RATE_OF[key]
        num = sum(int(totals[k]) for k in r.num + (r.num_if_basic if ctx.cfg.basic_counts_as_satisfied else ()))
        rows.append([r.label, fmt_pct(totals[key]), str(num), str(int(totals[r.den])), fmt_pct(prev[key])])
        items.append((r.label, float(totals[key] or 0.0), fmt_pct(totals[key])))
    return Section(
        "rates", "三率情况",
        lines=[caliber.version_line(ctx.version),
               *(f"{label} = {' + '.join(num)} ÷ {den}" for label, num, den in caliber.of(ctx.cfg, ctx.version).rates
                 if label in {definitions.RATE_OF[k].label for k in THREE})],
        chart=bars("三率", items, max_value=1.0),
        tables=[Table("全市三率", ["指标", "本月", "分子", "分母", "上月"], rows)],
        data={"totals": totals, "previous": prev})


def _matters(db: Session, p: Period, kind: str) -> list[HotMatter]:
    """The stored matters (as /hotspots lists them) that had orders in the month, hottest first."""
    return list(db.scalars(select(HotMatter).where(
        HotMatter.kind == kind, HotMatter.active.is_(True), HotMatter.first_at < p.end, HotMatter.last_at >= p.start)
        .order_by(HotMatter.heat.desc(), HotMatter.id).limit(TOP)))


def hot_matters(ctx: Ctx) -> Section:
    ms = _matters(ctx.db, ctx.period, "place")
    return Section(
        "hot_matters", "热点问题",
        lines=[*[("热点：同一地点（或对象）、同一诉求的多件工单，按热度排序（与“热点”页面相同）。",
                "Hot matters: several orders about the same place (or object) and the same demand, ranked by heat "
                "(as on the Hot matters page).")],
               *([] if ms else [("本月无热点", "No hot matters this month")])],
        chart=bars("热点工单数", [(m.name, float(m.size), str(m.size)) for m in ms]),
        tables=[Table("热点", ["热点", "地点", "工单数", "诉求人数", "热度", "状态"],
                      [[m.name, m.place or "", str(m.size), str(m.volume), f"{m.heat:.1f}",
                        "已处理" if m.state == "handled" else "未处理"] for m in ms])] if ms else [],
        data={"matters": [{"id": m.id, "name": m.name, "size": m.size, "heat": m.heat} for m in ms]})


def systemic(ctx: Ctx) -> Section:
    ms = _matters(ctx.db, ctx.period, "systemic")
    return Section(
        "systemic", "共性问题",
        lines=[*[("共性问题：同一类诉求出现在至少5个属地，且没有一个属地占一半以上。",
                "Systemic problems: the same kind of demand in at least 5 territories, none holding more than half.")],
               *([] if ms else [("本月无共性问题", "No systemic problems this month")])],
        chart=bars("共性问题工单数", [(m.name, float(m.size), str(m.size)) for m in ms]),
        tables=[Table("共性问题", ["共性问题", "地点数", "工单数", "状态"],
                      [[m.name, str(len(m.places or [])), str(m.size), "已处理" if m.state == "handled" else "未处理"]
                       for m in ms])] if ms else [],
        data={"matters": [{"id": m.id, "name": m.name, "size": m.size, "heat": m.heat} for m in ms]})


def unit_rankings(ctx: Ctx) -> Section:
    boards, units = rankings.boards(ctx.db, ctx.period, counts=ctx.counts(), cfg=ctx.cfg)
    tables, data, chart_items, empty = [], {}, [], []
    for b in boards:
        rows = [rankings.row(r, units, b) for r in b.ranked]
        data[b.group] = rows
        if not rows:
            empty.append(b.label)
            continue
        tables.append(Table(f"{b.label}（前{TOP}名）", ["名次", "单位", "综合得分", "签收及时率", "解决率", "满意率", "派单数"],
                            [[str(r["rank"]), r["unit_name"] + (f"（{SUMMONED}）" if r["summoned"] else ""),
                              "—" if r["composite"] is None else f"{r['composite']:.2f}",
                              fmt_pct(r["response"]), fmt_pct(r["resolution"]), fmt_pct(r["satisfaction"]),
                              str(r["dispatched"])] for r in rows[:TOP]]))
        if b.group == "departments":
            chart_items = [(r["unit_name"], float(r["composite"] or 0), "—" if r["composite"] is None
                            else f"{r['composite']:.2f}") for r in rows[:TOP]]
    summoned = [r["unit_name"] for rows in data.values() for r in rows if r["summoned"]]
    return Section(
        "rankings", "单位考核排名",
        lines=[caliber.version_line(ctx.version),
               (f"派单数少于{ctx.cfg.min_orders_for_ranking}件的单位不参与排名",
                f"Units with fewer than {ctx.cfg.min_orders_for_ranking} dispatches are not ranked"),
               (f"{SUMMONED}：{'、'.join(summoned) if summoned else '无'}",
                f"Below the summons line for satisfaction: {', '.join(summoned) if summoned else 'none'}"),
               *((f"{label}：本月无参与排名的单位", f"{label}: no unit ranked this month") for label in empty)],
        chart=bars("职能部门综合得分", chart_items, max_value=100.0),
        tables=tables, data=data)


def surges(ctx: Ctx) -> Section:
    """突增情况: the month's surge alerts (hotline/surges), each day a series rose beyond its expected level."""
    tz = city_tz()
    start, end = ctx.period.start.astimezone(tz).date(), ctx.period.end.astimezone(tz).date()
    rows = surge_service.month_summary(ctx.db, start, end)
    top = sorted(rows, key=lambda r: -float(r["score"] or 0))[:TOP]
    return Section(
        "surges", "突增情况",
        lines=[("突增：某类诉求（类别 × 属地）或某个热点一天的工单数远高于按星期、月份和节假日推算的预期。",
                "Surges: a kind of demand (category × territory) or a hot matter with far more orders in a day than "
                "its expected level from weekday, month and holidays."),
               *([(f"本月突增预警 {len(rows)} 条", f"{len(rows)} surge alerts this month")] if rows
                 else [("本月无突增预警", "No surge alerts this month")])],
        chart=bars("突增：实际工单数", [(f"{r['day']} {r['name']}", float(r["observed"]), str(r["observed"]))
                                     for r in top]),
        tables=[Table("突增预警", ["日期", "序列", "实际", "预期", "状态"],
                      [[str(r["day"]), str(r["name"]), str(r["observed"]), f"{float(r['expected']):.1f}",
                        str(r["state_zh"])] for r in rows])] if rows else [],
        data={"alerts": rows})


def governance(ctx: Ctx) -> Section:
    """每月一题: the projects started in the month (hotline/governance), their owner, deadline, state and the
    topic's orders per week before and after the start."""
    rows = governance_service.month_summary(ctx.db, ctx.period.start, ctx.period.end)
    tz = city_tz()

    def per_week(x: float | None) -> str:
        return "—" if x is None else f"{x:.1f}"

    items: list[tuple[str, float, str]] = []
    for r in rows:
        items.append((f"{r['title']}（前）", float(r["before_per_week"]), per_week(r["before_per_week"])))
        if r["after_per_week"] is not None:
            items.append((f"{r['title']}（后）", float(r["after_per_week"]), per_week(r["after_per_week"])))
    return Section(
        "governance", "每月一题",
        lines=[("每月一题：领导从热点和共性问题中选定的治理项目；周均工单量为该题分类在其属地开始前后各8周的每周工单数。",
                "Monthly topics: the governance projects leaders picked from the hot matters and systemic problems; "
                "orders per week count the topic's category in its place, 8 weeks before and after the start."),
               *([(f"本月每月一题 {len(rows)} 项", f"{len(rows)} monthly topics this month")] if rows
                 else [("本月无每月一题", "No monthly topic this month")])],
        chart=bars("每月一题：开始前后周均工单量", items),
        tables=[Table("每月一题", ["题目", "责任单位", "完成时限", "状态", "关联工单", "开始前周均", "开始后周均"],
                      [[str(r["title"]), str(r["owner_unit"] or ""),
                        datetime.fromisoformat(r["deadline"]).astimezone(tz).date().isoformat(), str(r["state_zh"]),
                        str(r["orders"]), per_week(r["before_per_week"]), per_week(r["after_per_week"])]
                       for r in rows])] if rows else [],
        data={"projects": rows})


SECTIONS: tuple[Callable[[Ctx], Section], ...] = (overview, rates, hot_matters, systemic, surges, governance,
                                                  unit_rankings)


def from_summary(key: str, title: str, summary: Callable[[Session, datetime, datetime], list[dict[str, Any]]],
                 *, empty: str = "本月无") -> Callable[[Ctx], Section]:
    """A section from a package's ``month_summary(db, start, end) -> list[dict]``: one table, its columns
    the dicts' keys (a package that wants a chart writes its own builder)."""
    def build(ctx: Ctx) -> Section:
        rows = summary(ctx.db, ctx.period.start, ctx.period.end)
        head = list(rows[0]) if rows else []
        return Section(key, title, lines=[] if rows else [empty],
                       tables=[Table(title, head, [[str(r.get(h, "")) for h in head] for r in rows])] if rows else [],
                       data={"rows": rows})
    return build
