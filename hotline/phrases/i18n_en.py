"""English for 常用语 (phrases_list.html, phrases_tools.html, partials/reply_tools.html)."""

EN = {
    "常用语": "Reply templates", "可用占位符": "Placeholders",
    "答复时插入常用语，占位符自动替换为该工单的信息。":
        "When a template is inserted into a reply, its placeholders are filled with the order's facts.",
    "工单编号，如 QY20261202-0001": "the order number, e.g. QY20261202-0001",
    "受理日期，如 2026年12月2日": "the intake date, e.g. 2026年12月2日", "主办单位名称": "the lead unit's name",
    "工单标题": "the order's title", "今天的日期": "today's date",
    "新增常用语": "New reply template", "新增": "Add", "删除": "Delete",
    "常用语与知识库": "Templates and knowledge base", "插入常用语": "Insert template", "暂无常用语": "No reply templates",
    "维护常用语": "Manage reply templates", "插入知识库答案": "Insert knowledge answer",
    "添加附件（照片、现场记录）": "Add attachment (photo, site record)", "已附": "Attached",
}
