"""English for the on-site check pages and the grid worker's app (hotline/web/templates/verification_*.html)."""

EN = {
    "现场核查": "On-site checks", "安排现场核查": "Order an on-site check", "网格员": "Grid worker",
    "网格员应用": "Grid app", "网格": "Grid", "社区": "Community", "核查要求": "What to check",
    "核查任务": "Checks", "巡查上报": "Patrol report", "待核查": "To check", "已核查": "Checked", "已撤销": "Cancelled",
    "暂无核查任务": "No checks to do",
    "离线：显示上次同步的任务，提交将排队，联网后自动发送":
        "Offline: showing the tasks last synced; what you submit is queued and sent when the network returns",
    "待发送": "Queued", "已发送": "Sent", "发送失败": "Not accepted", "核查结果": "Result", "部分解决": "Partly solved",
    "核查情况": "What you found", "现场照片": "Photos on site", "提交核查结果": "Submit the result",
    "已排队，联网后发送": "Queued: it will be sent when the network returns", "正在获取位置…": "Getting the position…",
    "位置未获取": "No position", "问题描述": "Description", "提交上报": "Submit report", "上报成功": "Reported",
    "已记录": "Recorded", "刷新": "Refresh", "核查时间": "Checked at", "照片": "Photo",
}
