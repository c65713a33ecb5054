"""English for the import pages."""

EN = {
    "导入": "Import", "导入历史工单": "Import historical orders", "行": "rows", "校验结果": "Validation report",
    "导入结果": "Import result", "可导入": "Valid", "已导入": "Imported", "跳过": "Skipped",
    "有错误": "With errors", "行号": "Line", "外部编号": "External id", "结果": "Result", "说明": "Messages",
    "列映射": "Column mapping", "（不导入）": "(not imported)", "取值对照与默认值（YAML）": "Value mapping and defaults (YAML)",
    "状态须对照为 received/dispatched/in_progress/replied/completed/closed；承办单位须对照为单位代码。格式见文档 docs/channels.md。":
        "Map statuses to received/dispatched/in_progress/replied/completed/closed and units to unit codes. "
        "The format is in docs/channels.md.",
    "校验": "Validate", "样例数据": "Sample rows",
    "上传CSV或Excel（.xlsx）文件，下一步将各列对应到工单字段，先校验再导入。按外部编号去重，重复导入同一文件不会产生重复工单。":
        "Upload a CSV or Excel (.xlsx) file; next you map its columns to order fields, validate, then import. "
        "Rows are matched by external id, so importing the same file again creates no duplicates.",
    "文件": "File", "上传": "Upload", "诉求分类": "Category", "诉求人姓名": "Citizen's name", "地址": "Address", "纬度": "Latitude", "经度": "Longitude",
    "承办单位": "Handling unit", "来源系统状态": "Status at source", "办结时间": "Closed at",
    "已保存的映射": "Saved mapping", "已载入映射": "Loaded mapping",
    "：各列选择已按映射设置，取值对照见下方YAML。": ": the column selects follow it; the value mapping is in the YAML below.",
    "系统自带的映射": "Mapping shipped with the system", "（不使用）": "(none)",
    "或上传映射文件（.yaml）": "or upload a mapping file (.yaml)",
    "也可将完整的映射（含 fields）粘贴到下方YAML框中；载入后各列选择随之改变。":
        "You can also paste a whole mapping (with fields) into the YAML box below; loading it sets the column selects.",
    "载入映射": "Load mapping", "模板": "Template",
    "作为在办工单接管（未办结的工单从导入时起计时，并通知承办单位和Webhook）":
        "Take over as live work (orders not yet completed get time limits from the import, and the units and "
        "webhooks are notified)",
    "默认不勾选：导入的是历史记录，保留原时间和状态，不计时、不催办督办、不发通知、不生成回访任务。":
        "Unchecked by default: the import is history — original times and status kept, no clock, no reminders or "
        "supervision, no notices, no callback tasks.",
}
