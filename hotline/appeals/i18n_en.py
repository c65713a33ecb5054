"""English for the appeals pages (hotline/web/templates/appeals_*.html)."""

EN = {
    "申诉": "Appeals", "申诉与认定": "Appeals and designations",
    "待审核": "Pending", "已采纳": "Accepted", "已驳回": "Rejected", "类型": "Type", "提交时间": "Filed",
    "已认定为不合理诉求，不计入考核，不再回访": "Designated unreasonable: excluded from rates, no callback", "申诉理由": "Grounds of appeal", "证据材料": "Evidence",
    "提出申诉": "File appeal", "暂无评价": "No evaluations yet", "申请认定为不合理诉求": "Ask for designation as unreasonable",
    "情况说明": "Explanation", "提交申请": "Submit request", "审核意见": "Decision", "采纳": "Accept", "驳回": "Reject",
    "诉求人历史工单": "The caller's orders", "全部": "All",
    "申诉已采纳，不计入考核": "Excluded: appeal accepted", "不合理诉求，不计入考核": "Excluded: designated unreasonable",
    "已回访归档": "Archived after callback", "已重办": "Reopened", "审核归档": "Archived after review",
    "无法联系": "Unreachable", "免回访": "No callback", "待回访": "Awaiting callback",
    # 派单异议 (dispatch objections) and the catalogue change queue
    "派单异议": "Dispatch objection", "提出派单异议": "Object to the dispatch", "异议理由": "Grounds of objection",
    "异议依据（三定规定或派单目录条目）": "Basis (三定 article or catalogue entry)", "建议承办单位": "Proposed responsible unit",
    "不确定": "Not sure", "提交派单异议": "Submit objection", "中心审核期限": "Centre decides by",
    "审核超期": "Decision overdue", "派单目录调整": "Catalogue change", "异议成立时改派给": "When sustained, redispatch to",
    "不改派": "Do not redispatch", "异议成立": "Sustain objection", "异议不成立": "Reject objection",
    "待调整派单目录": "Catalogue change proposed", "已调整派单目录": "Catalogue changed",
    "不调整派单目录": "Catalogue kept", "派单目录调整建议": "Catalogue change queue",
    "每条来自一件成立的派单异议。管理员在派单目录（或城市配置文件的分类承办单位）中调整后，在此标记为已调整。":
        "Each row comes from a sustained dispatch objection. After changing the dispatch catalogue (or the category's "
        "units in the city file), the admin marks it changed here.",
    "目录现承办单位": "Catalogue's units now", "提出异议单位": "Objecting unit", "待审核派单异议": "Objections awaiting decision",
    "目录调整建议": "Catalogue changes", "已更新目录调整状态": "Catalogue change updated",
}
