"""English for the order pages' co-handling (协办) and action labels added by the flows work."""

EN = {
    "增加协办单位": "Add co-units",
    "撤销协办单位": "Remove a co-unit",
    "要增加的协办单位（可多选）": "Co-units to add (several allowed)",
    "要撤销的协办单位": "Co-units to remove",
    "撤销协办的理由": "Why the co-unit is removed",
    "协办要求": "What the co-units are asked",
    "答复须等待协办意见，尚未提交协办意见的协办单位：": "The reply waits for the co-units' opinions. Not yet given by: ",
    "如不待协办意见直接答复，请填写理由（将记入办理过程并通知协办单位）。":
        " To reply without them, give a reason (it is recorded on the timeline and the co-units are told).",
    "不待协办意见直接答复的理由": "Reason to reply without the co-units' opinions",
    "协办单位均已提交协办意见。": "Every co-unit has given its opinion.",
    "协办单位（可多选，需同时选择主办单位）": "Co-units (several allowed; choose a lead unit too)",
    "已撤销协办": "Co-handling removed",
    "未待协办意见": "Replied without its opinion",
}
