"""English for the callback pages (hotline/web/templates/callbacks_*.html)."""

EN = {
    "回访": "Callbacks", "回访队列": "Callback queue", "待回访（已到期）": "Due callbacks",
    "待中心审核": "Awaiting centre review", "未到期": "Not yet due", "工单编号": "Order no.",
    "标题": "Title", "诉求人": "Citizen", "联系电话": "Phone", "承办单位": "Handling unit",
    "应回访时间": "Due", "已拨打": "Attempts", "登记": "Record", "接通": "Reached", "未接通": "Not reached",
    "已解决": "Solved", "未解决": "Not solved", "满意": "Satisfied", "基本满意": "Fairly satisfied",
    "不满意": "Dissatisfied", "备注": "Note", "提交": "Submit", "重办": "Reopen", "归档": "Archive",
    "理由": "Reason", "审核": "Review", "暂无": "None", "状态": "Status", "是否接通": "Reached?",
    "是否解决": "Solved?", "满意度": "Satisfaction",
    "办理结果评价": "Rate how your request was handled", "您的问题是否已解决？": "Was your problem solved?",
    "您对办理结果是否满意？": "Are you satisfied with the result?", "意见或建议（可选）": "Comments (optional)",
    "提交评价": "Submit rating", "感谢您的评价！": "Thank you for your rating!",
    "该工单已评价或已结束回访。": "This order has already been rated or its callback has ended.",
    "评价链接无效或已过期": "This link is invalid or has expired", "工单": "Order",
    "回访与评价": "Callbacks and evaluations", "评价": "Evaluation", "渠道": "Channel", "电话回访": "Phone callback",
    "自评": "Self-rating", "不计入考核": "Excluded from rates", "回访任务": "Callback tasks",
}
