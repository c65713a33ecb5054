"""English for the routing pages and the intake assistant's routing section."""

EN = {
    "智能派单建议": "Routing suggestions", "疑似紧急警情，请转": "Possible emergency — hand off to",
    "依据": "because of", "可能不属于12345受理范围": "Possibly outside the hotline's scope",
    "采用": "Use", "紧急": "Urgent", "一般": "Normal", "属地": "Territory", "地名": "place names",
    "未识别到地名": "No place recognised", "推荐分类": "Suggested categories", "推荐承办单位": "Suggested units",
    "暂无把握，请人工选择": "Not sure — choose by hand", "模型版本": "Model version",
    "派单准确率": "Routing accuracy", "首次派单准确率（未退单、未改派）": "First dispatch held (no return or redispatch)",
    "推荐单位命中率": "Suggested unit was chosen", "单": "orders", "推荐分类命中率": "Suggested category was chosen",
    "自动派单": "Auto-dispatched", "共建议": "suggestions", "推荐与实际不一致（混淆）": "Where suggestion and choice differed",
    "推荐单位": "Suggested unit", "实际派往": "Dispatched to", "次数": "Count", "暂无数据": "No data yet",
    "各单位退单率": "Return rate by unit", "单位": "Unit", "主办派单数": "Lead assignments",
    "模型": "Models", "版本": "Version", "用途": "Purpose", "训练样本": "Training rows",
    "来源": "Source", "训练时间": "Trained", "启用中": "active", "分拣队列": "Triage queue",
    "自助渠道（网站、移动端、接口）提交、系统把握不足未自动派单的工单，附系统建议。":
        "Self-service orders (web, app, API) the router was not sure enough to dispatch, with its suggestions.", "标题": "Title", "受理时间": "Received", "提示": "Flags", "疑似": "possible",
    "可能非受理范围": "possibly out of scope", "分拣队列为空": "The triage queue is empty", "派单目录": "Dispatch catalogue",
    "各承办单位的职责关键词，用于智能派单建议；修改即时生效并记入审计日志。":
        "Duty keywords of each unit, used by routing suggestions; changes apply at once and are audited.",
    "职责": "Duties", "职责关键词": "Duty keywords", "已保存": "Saved",
    "直接派单至（可选）": "Dispatch directly to (optional)", "暂不派单（进入派单队列）": "Not now (goes to the dispatch queue)",
    "诉求类型": "Kind", "紧急程度": "Urgency",
}
