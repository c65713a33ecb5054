"""English for the reply-quality pages (hotline/web/templates/replies_*.html)."""

EN = {
    "答复质量": "Reply quality", "敷衍答复": "Perfunctory", "部分答复": "Partial", "答复实质": "Substantive",
    "敷衍答复标记": "Perfunctory-reply flags", "审核人不予采纳评分的理由": "Reviewer's reason for overriding the score",
    "该答复被评为敷衍答复，不能直接办结：": "This reply was scored perfunctory and cannot simply be completed: ",
    "请退回重办，或填写理由后办结（将记入办理过程）。":
        "Reopen it, or give a reason and complete it (the reason goes on the timeline).",
    "不采纳答复质量评分的理由": "Reason for overriding the reply-quality score", "说明理由后办结": "Complete with reason",
    "答复质量预检": "Reply check before sending",
    "敷衍答复在审核时不能直接办结，请写明查明的情况、采取的措施和办理时限。":
        "A perfunctory reply cannot be completed at review: say what was found, what was done and by when.",
    "计入统计的标记（待说明、待裁定、维持）": "Flags that count (awaiting explanation, awaiting decision, upheld)",
    "撤销的标记不计入任何统计。": "Cleared flags count nowhere.", "标记时间": "Flagged", "答复内容": "Reply",
    "单位情况说明": "The unit's explanation", "裁定意见": "Decision note", "提交情况说明": "Submit explanation",
    "裁定": "Decide", "维持标记": "Uphold flag", "撤销标记": "Clear flag",
    "待单位说明": "Awaiting the unit's explanation", "待督办员裁定": "Awaiting the supervisor's decision",
    "答复标记": "Reply flags", "疑似虚假办结": "Suspected fake completion", "疑似虚假办结率": "Suspected fake completion rate",
    "单位答复（称已办理）": "The unit's reply (says it was done)", "诉求人回访所述": "What the citizen said at the callback",
    "诉求人再次来电": "The citizen's repeat call",
    "回访称未解决": "Callback: not solved", "同一来电人再次来电": "The same caller called again",
    "疑似虚假办结率 = 计入统计的疑似虚假办结数（待说明、待裁定、维持）÷ 回访评价数；满意率与绩效考核同一口径。撤销的案件不计入。":
        "Suspected fake completion rate = counted cases (awaiting explanation, awaiting decision, upheld) ÷ callback "
        "evaluations; the satisfaction rate is the KPI's own. Cleared cases count nowhere.",
}
