"""English for the 单位 (Organisation) administration pages."""

EN = {
    "单位树": "Unit tree", "编码": "Code", "新建单位": "New unit", "单位名称": "Unit name", "上级单位": "Parent unit",
    "（无，顶级单位）": "(none: top level)", "简称": "Short name",
    "编码创建后不再改变：城市配置文件和派单规则按编码引用单位。":
        "The code never changes once created: the city file and the routing rules refer to units by code.",
    "曾用名": "Former names", "至": "until", "修改单位": "Edit unit",
    "改名后，历史工单仍显示当时的单位名称。": "After a rename, older orders still show the name the unit had then.",
    "移动单位": "Move unit", "新的上级单位": "New parent unit", "移动": "Move", "合并单位": "Merge unit",
    "并入单位": "Merge into", "在办工单": "Open orders", "转至目标单位": "To the target unit",
    "留在原单位": "Stay with this unit", "职责关键词并入目标单位": "Duty keywords go to the target unit",
    "预览合并": "Preview the merge", "撤销单位": "Retire unit", "工作转至（可不选）": "Work goes to (optional)",
    "（不转移）": "(nowhere)", "预览撤销": "Preview retiring", "下级单位": "Sub-units", "合并预览": "Merge preview",
    "撤销预览": "Retire preview", "返回单位": "Back to the unit", "确认后将发生": "What happens on confirming",
    "在办工单转至目标单位": "Open orders moving to the target unit",
    "目标单位已在办，结束协办": "co-handling ended where the target already holds the order",
    "在办工单留在原单位": "Open orders staying with this unit", "人员转至目标单位": "People moving to the target unit",
    "人员留在原单位": "People staying with this unit", "下级单位改挂目标单位": "Sub-units moving under the target unit",
    "并入目标单位的职责关键词": "Duty keywords added to the target unit", "派单目录分类": "catalogue categories",
    "已结束的办理记录留在原单位（排名历史不变）":
        "Finished handling stays with this unit (its rankings history does not change)",
    "原单位撤销后不再出现在派单选择和智能派单建议中；单位编码保持不变。":
        "Once retired, the unit is no longer offered for dispatch or in routing suggestions; its code stays.",
    "现名": "now called", "单位改名": "Unit renamed", "并入职责": "Duties merged in", "涉及工单": "Orders concerned", "确认合并": "Confirm the merge", "确认撤销": "Confirm retiring", "取消": "Cancel",
    "单位树、联系电话与职责；新建、改名、移动、合并和撤销单位，先预览再确认":
        "The unit tree, contacts and duties; create, rename, move, merge and retire units, previewed before confirming",
}
