"""English for the live settings screens (时限设置, 节假日, KPI设置, version history)."""

EN = {
    "时限设置": "Time limits", "节假日": "Holiday calendar", "KPI设置": "KPI settings",
    "按诉求类型和分类设置签收、答复、办结时限（工作时间或自然时间），查看并决定对在办工单的影响":
        "Sign, reply and complete limits per kind and category (working or natural time); "
        "see and decide the effect on open orders",
    "录入 chinese-calendar 尚不知道的年份的放假调休日期":
        "Enter the official holidays and make-up workdays of years chinese-calendar does not know yet",
    "综合得分权重与计分规则，按版本保存，排名注明口径版本":
        "Composite weights and scoring rules, versioned; every ranking names the version it used",
    "现行版本": "Version in force", "城市文件": "city file",
    "修改适用于新工单；在办工单的期限由管理员决定是否重新计算。":
        "A change applies to new orders; the administrator decides whether open orders' deadlines are recomputed.",
    "时限策略": "Time-limit policies",
    "按顺序匹配：第一个匹配的策略适用；最后一个策略适用于其余所有工单。类型、分类代码前缀、紧急程度用逗号分隔，留空表示不限。":
        "Matched in order: the first policy that matches applies; the last applies to every other order. "
        "Separate kinds, category code prefixes and urgencies with commas; empty means any.",
    "分类代码前缀": "Category code prefixes", "适用于其余所有工单": "Applies to every other order", "计时方式": "counted in",
    "删除此策略": "Remove this policy", "新增策略": "New policy",
    "代码（小写字母、数字、下划线）": "Code (lower-case letters, digits, underscore)",
    "修改原因": "Reason for the change", "保存为新版本": "Save as a new version",
    "自然分钟": "natural minutes", "自然小时": "natural hours", "工作小时": "working hours", "工作日": "working days",
    "对在办工单的影响": "Effect on open orders",
    "按现行版本从计时起点重新计算，期限会变化的在办工单":
        "Open orders whose deadline would change, recomputed from the start of their clock under the version in force",
    "期限不变": "Deadline unchanged",
    "已延期或挂账恢复的工单保持原期限": "Extended or resumed orders keep their deadline",
    "原办结期限": "Old complete-by", "新办结期限": "New complete-by",
    "可以保持这些工单的原期限不变，或按现行版本重新计算（每件工单的处理记录中留痕）。":
        "Leave these orders' deadlines as they are, or recompute them under the version in force "
        "(each order's timeline records it).",
    "重新计算这些工单的期限": "Recompute these orders' deadlines",
    "尚不知道下一年的放假调休安排，请在国务院办公厅公布后录入":
        "Next year's holidays and make-up workdays are not known yet; enter them once the State Council publishes them",
    "已知年份": "Known years", "chinese-calendar 软件包": "chinese-calendar package", "本市录入": "Entered here",
    "未知年份的处理方式": "An unknown year is handled as", "录入放假调休": "Enter holidays and make-up workdays",
    "录入该年任一日期即视为该年已知：其余周一至周五为工作日，周末休息。每行一个日期，或用 2027-02-10~2027-02-16 表示连续日期。":
        "Entering any date of a year declares the year known: its other Mondays to Fridays are working days, "
        "weekends are off. One date a line, or 2027-02-10~2027-02-16 for consecutive days.",
    "打开": "Open", "放假日期（工作日放假）": "Days off (weekday holidays)",
    "调休上班日期（周末上班）": "Make-up workdays (weekends worked)",
    "每个排名及其导出都注明计算所用的口径版本。": "Every ranking and its export name the settings version it was computed with.",
    "综合得分权重与计分规则": "Composite weights and scoring rules", "权重": "weight",
    "参与排名的最少派单数": "Fewest dispatches to be ranked",
    "满意率低于此值提示约谈（%）": "Flag for a summons below this satisfaction rate (%)",
    "口径版本": "Settings version",
    "比较两个版本": "Compare two versions", "旧版本": "Older version", "新版本": "Newer version", "比较": "Compare",
    "设置项": "Setting", "两个版本相同": "The two versions are the same",
    "第0版为城市文件中的设置。回滚会生成一个与所选版本相同的新版本。":
        "Version 0 is the city file's settings. A rollback saves a new version equal to the one chosen.",
    "第0版为默认值（%s）：城市文件中没有这项设置。回滚会生成一个与所选版本相同的新版本。":
        "Version 0 is the default (%s): the city file has no such setting. A rollback saves a new version "
        "equal to the one chosen.",
    "回滚到默认值（第0版）的原因": "Reason for rolling back to the default (version 0)",
    "尚无保存的版本，现行为默认值": "No version saved yet; the default is in force",
    "原因": "Reason", "回滚": "Roll back", "现行": "in force", "回滚自": "rolled back from",
    "回滚原因": "Reason for the rollback", "回滚到此版本": "Roll back to this version",
    "回滚到城市文件（第0版）的原因": "Reason for rolling back to the city file (version 0)",
    "尚无保存的版本，现行设置来自城市文件": "No version saved yet; the settings in force come from the city file",
    # the exclusion rules on the KPI settings screen (hotline.kpi.definitions.EXCLUSION_RULES)
    "排除规则": "Exclusion rules",
    "开启：这类记录在明细中列出并标明原因，不计入任何指标；关闭：照常计入。":
        "On: such records are listed in the drill-down with the reason and count in no figure; off: they count.",
}
