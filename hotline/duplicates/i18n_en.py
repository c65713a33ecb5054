"""English for the duplicates, repeat-call and caller-history pages."""

EN = {
    "重复来电": "Repeat calls",
    "同一来电人就同一事项再次来电：在办的建议并单，刚办结的建议重办。":
        "The same caller called again about the same matter: merge if the earlier order is open, "
        "reopen if it was just completed.",
    "新工单": "New order", "原工单": "Earlier order", "相似度": "Similarity", "处理": "Action",
    "建议重办原工单": "Suggest reopening the earlier order", "建议并入原工单": "Suggest merging into the earlier order",
    "去并单": "Merge…", "去重办": "Reopen…", "已处理": "Done", "忽略": "Dismiss",
    "暂无待处理的重复来电": "No repeat calls waiting",
    "疑似重复工单": "Possible duplicates", "疑似重复": "Possible duplicates", "很可能重复": "likely duplicate",
    "相同地点": "Same place", "相同内容": "Shared words",
    "受理后可在工单的“疑似重复”页并单。": "After intake, merge from the order's duplicates page.",
    "未发现疑似重复的在办工单": "No open order looks like a duplicate",
    "已完成": "Done", "本单已并入主工单": "This order is merged into", "撤销并单理由": "Reason for undoing the merge",
    "撤销并单": "Undo merge", "已并入本单的工单": "Orders merged into this one", "并单": "Merge",
    "并入本单": "Merge into this order", "本单并入该单": "Merge this order into it",
    "来电人历史": "Caller history", "累计": "Total", "近30天": "Last 30 days", "已并单": "Merged",
    "不合理诉求认定": "Designated unreasonable", "该号码没有历史工单": "No earlier orders from this number",
}
