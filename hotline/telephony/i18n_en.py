"""English for the telephony pages."""

EN = {
    "话务": "Calls", "统计期间": "Period", "开始日期": "From", "结束日期": "To", "查询": "Search",
    "话务指标": "Call metrics", "呼入量": "Offered", "接通量": "Answered", "放弃量": "Abandoned",
    "接通率": "Connection rate", "15秒接通率": "Answered within 15 s", "平均等待（秒）": "Average wait (s)",
    "分时段呼入与放弃": "Calls and abandonment by hour",
    "分时段呼入量、接通量与放弃率图表": "Chart of offered and answered calls and abandonment rate by hour",
    "时段": "Hour", "放弃率": "Abandonment rate", "排班测算（Erlang C）": "Staffing calculator (Erlang C)",
    "按每小时预测话务量和平均处理时长，计算达到服务水平目标所需的话务员人数。默认话务量为近28天各时段平均值。":
        "From the forecast calls per hour and the average handle time, the operators needed to reach the "
        "service-level target. The default volumes are the hourly averages of the last 28 days.",
    "每小时话务量（逗号分隔，0点至23点）": "Calls per hour (comma separated, 00:00 to 23:00)",
    "平均处理时长（秒）": "Average handle time (s)", "服务水平目标（0至1）": "Service level target (0 to 1)",
    "目标应答时间（秒）": "Answer within (s)", "接通率目标（可选，0至1）": "Connection rate target (optional, 0 to 1)",
    "来电人平均耐心（秒）": "Average caller patience (s)", "测算": "Calculate", "来电信息": "Incoming call",
    "来电": "Call", "未知号码": "Unknown number", "接听时间": "Answered at",
    "以此号码受理新工单": "Start intake with this number", "关闭": "Close", "来电人历史工单": "Caller's past orders",
    "无历史工单": "No past orders", "合计坐席工时": "Total agent hours", "话务量": "Calls",
    "话务强度（爱尔兰）": "Traffic (Erlangs)", "所需话务员": "Operators needed", "服务水平": "Service level",
    "预计接通率": "Expected connection rate", "平均应答（秒）": "Average speed of answer (s)",
    "占用率": "Occupancy",
}
