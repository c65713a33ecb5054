"""English for the citizen portal's pages (the portal itself is written in Simplified Chinese)."""

EN = {
    "12345市民诉求": "12345 Citizen Requests", "门户导航": "Portal navigation", "我要反映": "Report a matter",
    "进度查询": "Track a request", "提交成功": "Submitted", "您的诉求已受理，工单编号：": "Your request was received. Order number:",
    "请记下工单编号。凭工单编号和手机号码可随时查询办理进度。":
        "Please note the order number. With it and your phone number you can track the request at any time.",
    "查询办理进度": "Track progress",
    "非紧急事项请在此反映。遇到火灾、治安、急救等紧急情况，请立即拨打110、119、120。":
        "Report non-emergency matters here. For fire, crime or medical emergencies call 110, 119 or 120 now.",
    "请写明时间、地点和具体问题，至少10字。": "Say when, where and what the problem is (at least 10 characters).",
    "事发地址": "Address", "用于接收受理短信和查询办理进度，不会公开。":
        "Used for the confirmation SMS and to track the request; never published.",
    "姓名（选填）": "Name (optional)", "照片（选填）": "Photos (optional)",
    "最多3张，JPG、PNG、GIF或WebP格式，每张不超过": "Up to 3 JPG, PNG, GIF or WebP photos, each at most",
    "网址（请勿填写）": "Website (leave empty)", "办理状态": "Status", "办理进度": "Progress", "办理渠道": "Where to go",
    "评价办理结果": "Rate the outcome", "您的评价": "Your rating", "去评价": "Rate it",
    "意见（选填）": "Comments (optional)", "提交诉求时填写的手机号码": "The phone number you gave when submitting",
    "您对办理结果是否满意？": "Are you satisfied with the outcome?", "提交评价": "Submit rating",
    "感谢您的评价！": "Thank you for your rating!", "暂无答复": "No reply yet", "答复": "Reply", "诉求内容": "Demand", "联系电话": "Phone",
    "提交": "Submit",
    "满意": "Satisfied", "基本满意": "Basically satisfied", "不满意": "Dissatisfied",
    "已受理": "Received", "办理中": "In progress", "已答复": "Replied",
    "已转应急部门": "Passed to emergency services", "已告知办理渠道": "Told where to go", "已撤回": "Withdrawn",
    "已合并处理": "Merged with another request", "派单": "Dispatched", "办结": "Completed",
    "咨询": "Consultation", "求助": "Help", "投诉": "Complaint", "举报": "Report", "建议": "Suggestion",
    "表扬": "Praise",
    "转办去向": "Transferred to", "已转至其他城市热线办理": "Handled by another city's hotline",
    "转办中": "Being transferred", "新工单编号": "New order number", "已退回原热线办理": "Returned to the first hotline",
}
