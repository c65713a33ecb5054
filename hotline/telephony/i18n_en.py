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
    # 漏话回拨 missed-call callbacks
    "漏话": "Missed calls", "漏话回拨率": "Missed calls returned", "接通率（含回拨）": "Connection rate with call-backs",
    "漏话回拨队列": "Missed-call queue", "漏话回拨": "Missed calls", "待回拨": "To call back", "已超时": "Overdue",
    "排队放弃或振铃未接的来电须在时限内回拨；同一号码此后接通的，自动关闭。":
        "Calls given up in the queue or rung out are called back within the limit; a later call from the same "
        "number that gets through closes them.",
    "回拨时限": "Call-back limit", "个工作小时": " working hours", "来电号码": "Caller", "漏话时间": "Missed at",
    "漏话原因": "Why missed", "应回拨时间": "Call back by", "登记回拨结果": "Record the call-back", "回拨": "Call back",
    "没有待回拨的漏话": "No missed calls to call back", "最近已处理": "Recently closed", "处理结果": "Outcome",
    "处理时间": "Closed at", "已接通": "Connected", "无人接听": "No answer", "占线": "Busy",
    "空号/错号": "Wrong number", "已回拨接通": "Called back", "来电人已再次接通": "Caller got through later",
    "排队放弃": "Hung up in the queue", "振铃未接": "Rang out",
}
