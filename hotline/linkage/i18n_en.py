"""English for 联动's panel (hotline/web/templates/linkage_panel.html) and its words elsewhere."""

EN = {
    "联动": "Linkage", "联动单位": "Desk", "联动单位反馈": "Desk's status",
    "已签收": "Acknowledged", "待签收": "Awaiting acknowledgement", "回执号": "Receipt no.", "接收人": "Received by",
    "推送": "Delivery", "待推送": "Queued", "已推送": "Delivered", "推送失败": "Delivery failed",
    "未配置对接": "No desk connected", "12345转出": "12345 → desk", "转入12345": "Desk → 12345",
    "已出警": "Police dispatched", "处置中": "Being handled", "已处置": "Handled", "退回12345": "Returned to 12345",
    "办理状态同步至联动单位": "Status shared with the desk", "三方通话": "Three-party calls",
    "暂无联动记录": "No linkage records", "记录三方通话": "Record a three-party call", "通话开始": "Call started",
    "通话结束": "Call ended", "参与人": "Participants", "由谁受理": "Who takes the case", "通话要点": "Notes of the call",
    "录音编号（可选）": "Recording reference (optional)", "保存三方通话": "Save the call", "录音": "Recording",
    "12345受理": "12345 takes it", "联动单位受理": "The desk takes it", "双方共同处置": "Both handle it",
    "交警": "Traffic police", "110联动": "110 linkage",
    "110 公安": "110 Police", "119 消防": "119 Fire", "120 急救": "120 Ambulance", "122 交警": "122 Traffic police",
}
