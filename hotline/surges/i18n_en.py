"""English for the surge alerts' words (hotline/web/templates/surges_*.html, partials/surges_panel.html)."""

EN = {
    "突发": "Surges", "突发预警": "Surge alerts", "预警": "Alert", "全部预警": "All alerts", "暂无突发预警": "No surge alerts",
    "某类诉求在某一属地（或某个热点）当天的工单量明显超出按星期、季节和节假日推算的预期":
    "A kind of demand in one territory (or one hot matter) with clearly more orders in a day than expected "
    "from the weekday, the season and the holidays",
    "算法与口径见 docs/hotspots.md": "method and formula: docs/hotspots.md",
    "实际": "Observed", "预期": "Expected", "显著性": "Score", "实际与预期": "Observed and expected",
    "每日数据": "Daily figures", "返回预警列表": "Back to the alerts", "查看热点": "Open the hot matter",
    "处理预警": "Decide on the alert", "确认预警": "Acknowledge", "排除预警": "Dismiss",
    "预期＝基线×星期（或节假日、调休）系数×月份系数；显著性＝−log10（按负二项分布，当天至少有这么多工单的概率）":
    "Expected = baseline × weekday (or holiday, 调休 workday) factor × month factor; score = −log10 of the "
    "probability, under a negative binomial, of at least this many orders in the day",
    "待处理": "Open", "已确认": "Acknowledged", "已排除": "Dismissed", "日期": "Date",
}
