"""English for the knowledge base pages."""

EN = {
    "知识库": "Knowledge base", "已停用": "Retired", "修改": "Edit", "政策依据": "Policy basis",
    "维护单位": "Owning unit", "有效期": "Valid", "复核日期": "Review date", "标签": "Tags",
    "版本历史": "Version history", "待复核条目": "Due for review", "新建条目": "New entry", "检索": "Search",
    "输入问题，如：公积金怎么提取": "Type a question, e.g. how to withdraw the housing fund",
    "共": "Total", "条": "entries", "问题": "Question", "相关度": "Relevance",
    "没有找到相关条目": "No matching entries", "编辑知识条目": "Edit knowledge entry",
    "修改知识条目": "Edit knowledge entry", "新建知识条目": "New knowledge entry", "答复口径": "Answer",
    "维护单位编码": "Owning unit code", "生效日期": "Valid from", "失效日期": "Valid until",
    "标签（逗号分隔）": "Tags (comma-separated)", "诉求分类编码": "Category code", "修改说明": "Edit note", "复核日期已到或30天内到期的条目": "Entries whose review date has passed or falls within 30 days",
    "暂无待复核条目": "Nothing due for review", "知识库答复": "Answer from the knowledge base",
    "只有待派单的工单可由话务员或派单员即时办结。":
        "Only orders awaiting dispatch can be answered at first contact, by an operator or dispatcher.",
    "答复内容（可按来电人情况修改）": "Answer (adapt it to the caller)",
    "用此条答复并即时办结": "Answer with this and close at first contact",
    "知识库答案": "Knowledge base answers", "复制答案": "Copy answer",
    "受理后可在工单页“知识库答复”中用该条即时办结。":
        "After intake, use \"Answer from the knowledge base\" on the order page to close it at first contact.",
    "知识库中没有相关条目": "No matching entries in the knowledge base",
    "知识库中没有相符的答案": "No fitting answer in the knowledge base",
}
