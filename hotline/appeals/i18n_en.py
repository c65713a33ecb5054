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
}
