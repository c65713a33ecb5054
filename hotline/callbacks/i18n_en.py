"""English for the callback pages (hotline/web/templates/callbacks_*.html)."""

EN = {
    "回访": "Callbacks", "回访队列": "Callback queue", "待回访（已到期）": "Due callbacks",
    "待中心审核": "Awaiting centre review", "未到期": "Not yet due", "诉求人": "Citizen",
    "应回访时间": "Due", "已拨打": "Attempts", "登记": "Record", "接通": "Reached", "未接通": "Not reached",
    "已解决": "Solved", "未解决": "Not solved", "备注": "Note",
    "理由": "Reason", "审核": "Review", "是否接通": "Reached?",
    "是否解决": "Solved?", "满意度": "Satisfaction",
    "办理结果评价": "Rate how your request was handled", "您的问题是否已解决？": "Was your problem solved?", "意见或建议（可选）": "Comments (optional)",
    "该工单已评价或已结束回访。": "This order has already been rated or its callback has ended.",
    "评价链接无效或已过期": "This link is invalid or has expired", "工单": "Order",
    "回访与评价": "Callbacks and evaluations", "评价": "Evaluation", "渠道": "Channel", "电话回访": "Phone callback",
    "自评": "Self-rating", "不计入考核": "Excluded from rates", "回访任务": "Callback tasks",
    "回访录音备注": "Callback recording note",
}
