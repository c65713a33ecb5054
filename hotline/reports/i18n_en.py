"""English for the monthly report's words (hotline/web/templates/reports_*.html, partials/report_body.html,
and the section titles, captions and column heads of hotline/reports/sections.py)."""

EN = {
    "热线": "hotline", "月度分析报告": "Monthly analysis report", "月度报告": "Monthly report",
    "统计月份": "Statistics month", "生成时间": "Generated", "下载PDF": "Download PDF", "已存档PDF": "Stored PDF",
    "已订阅：每月1日收到上月报告": "Subscribed: last month's report arrives on the 1st",
    "取消订阅": "Unsubscribe", "邮箱（可选）": "E-mail (optional)", "订阅月度报告": "Subscribe to the monthly report",
    "总体情况": "Overview", "三率情况": "The three rates", "热点问题": "Hot matters of the month",
    "单位考核排名": "Units' rankings", "按分类": "By category", "按渠道": "By channel", "按诉求类型": "By kind",
    "占比": "Share", "全市三率": "The city's three rates", "本月": "This month",
    "分子": "Numerator", "分母": "Denominator", "上月": "Last month",
    "按分类的受理量": "Orders received by category", "三率": "The three rates (chart)",
    "热点工单数": "Orders per hot matter", "共性问题工单数": "Orders per systemic problem",
    "职能部门综合得分": "Departments' composite scores",
    "突增情况": "Surges", "突增预警": "Surge alerts", "突增：实际工单数": "Surges: orders on the day", "序列": "Series",
    "职能部门和公共企事业单位（前10名）": "Departments and public enterprises (top 10)",
    "街道和乡镇（前10名）": "Streets and townships (top 10)", "区县（前10名）": "Districts (top 10)",
}
