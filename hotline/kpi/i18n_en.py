"""English for the KPI, dashboard and public pages (hotline/web/templates/kpi_*.html, public_*.html).

The names of the rates, counts and drill-downs come with their definitions (``definitions.english``).
"""

from hotline.kpi.definitions import english

EN = {
    **english(),
    "考核排名": "Rankings", "驾驶舱": "Dashboard", "统计周期": "Period", "月度": "Month", "季度": "Quarter",
    "自定义": "Custom", "月份或季度": "Month or quarter",
    "导出Excel": "Export Excel", "导出CSV": "Export CSV", "全市汇总": "City totals", "签收及时率": "Response rate", "按期办结率": "On-time completion rate", "重办率": "Reopen rate", "首呼解决率": "First-contact resolution rate",
    "综合得分权重": "Composite weights", "排名最低派单量": "Minimum dispatches to be ranked", "排名": "Ranking",
    "派单量不足，不参与排名": "Too few dispatches to be ranked", "名次": "Rank",
    "综合得分": "Composite score", "派单数": "Dispatches", "评价数": "Evaluations",
    "满意率低于约谈线": "Below the summons line", "返回排名": "Back to rankings", "达标": "Met", "是": "Yes",
    "否": "No", "受理量": "Orders received", "每日受理量": "Daily volume", "综合得分排名": "Composite ranking",
    "诉求分类构成": "Category mix", "属地分布": "By territory", "办理漏斗": "Handling funnel", "签收": "Signed", "归档": "Archived",
    "工单数": "Orders", "承办单位办理情况公示": "Handling units' performance",
    "派单量少于以下数量的单位不参与公示排名": "Units with fewer dispatches than this are not ranked",
    "职能部门和公共企事业单位": "Departments and public enterprises", "街道和乡镇": "Streets and townships",
    "区县": "Districts", "派单（签收及时率、退单率分母）": "Dispatches (response and return rate base)",
    "应办结（按期办结率分母）": "Due to complete (on-time base)", "评价（解决率、满意率分母）": "Evaluations (resolution and satisfaction base)",
    "退单": "Returns", "已并单，不计入": "Excluded: merged", "计入": "Counted", "考核": "Rates",
    # period picker and the composite's formula
    "年度": "Year", "月份": "Month", "年份": "Year", "本季度": "This quarter", "本年": "This year",
    "无数据的指标不计入，其余权重按比例折算": "a rate without data is left out and the other weights are rescaled",
    "基本满意计为满意": "'fairly satisfied' counts as satisfied",
    "所选周期内没有工单，请选择其他周期。": "No orders in this period; choose another one.",
    # the caliber (kpi/caliber.py) and the push-downs column
    "口径说明": "How these figures are made", "不计入：": "Not counted: ",
    "经认定的不合理诉求：该工单的派单、退单、评价均不计入":
        "demands designated unreasonable: none of the order's dispatches, returns or evaluations count",
    "已并单的重复工单：不计入": "duplicates merged into another order",
    "申诉已采纳的评价：不计入": "evaluations whose appeal was accepted",
    "派单异议成立：该工单不计入提出异议单位的派单、退单和评价":
        "a sustained dispatch objection: the order leaves the objecting unit's dispatches, returns and evaluations",
    "派单数少于以下件数的单位不参与排名，单列：": "Units with fewer dispatches than this are listed apart, not ranked: ",
    "城市设置": "city setting",
    "每项比率旁为样本量n（分母）与Wilson 95%置信区间：样本越少区间越宽，相邻名次的差别未必真实":
        "Each rate shows its sample size n (the denominator) and its Wilson 95% interval: the fewer the orders, "
        "the wider the interval, and neighbouring ranks may not really differ",
    "下沉派单：派单目录明确由职能部门承办、却派给该街道乡镇（含其社区）的工单数及其占派单数的比例":
        "Push-downs: orders the dispatch catalogue gives a functional department but that were dispatched to this "
        "street or township (or its communities), and their share of its dispatches",
    "派单异议成立，不计入本单位": "Excluded: dispatch objection sustained",
    # the exclusion rules (definitions.EXCLUSION_RULES; switched in the KPI settings)
    "排除规则已关闭，计入：": "Exclusion rule switched off, counted: ",
    "不合理诉求不计入": "Leave out designated unreasonable demands", "并单不计入": "Leave out merged duplicates",
    "申诉采纳的评价不计入": "Leave out evaluations overturned on appeal",
    "派单异议成立不计入": "Leave out sustained dispatch objections",
    # the rule extension: the deadline the on-time rate judges against
    "批准延期不计超时": "Approved extensions count from the extended deadline",
    "批准的延期：按延期后的期限判断是否按期办结": "Approved extensions: on time is judged against the extended deadline",
    "按期办结以批准延期后的期限判断（批准延期不计超时）":
        "On-time completion is judged against the deadline as extended (approved extensions are not late)",
    "按期办结以首次办理期限判断（批准的延期仍计超时）":
        "On-time completion is judged against the first deadline (approved extensions still count as late)",
}
