"""English for 每月一题 and 未诉先办 (hotline/web/templates/governance_*.html, the link on a hot matter's page,
the states of hotline/governance/service.py and the monthly report's 每月一题 section)."""

EN = {
    "每月一题": "Monthly topic", "每月一题与未诉先办": "Monthly topics and proactive tasks",
    "设为每月一题": "Make it the month's topic", "查看每月一题": "Open the monthly topic",
    "新建每月一题": "New monthly topic", "返回每月一题": "Back to the monthly topics",
    "每月一题：领导从热点和共性问题中选定一题，交责任单位限期治理，跟踪关联工单、进展和治理前后的工单量。":
    "Monthly topic: a leader picks one of the hot matters or systemic problems and gives it to an owner unit with "
    "a deadline; its linked orders, progress and the volume before and after are followed here.",
    "口径见 docs/hotspots.md": "definitions: docs/hotspots.md",
    "本月一题": "This month's topic", "本月尚未选题": "No topic picked this month yet",
    "候选题目": "Candidate topics",
    "按热度排列的热点和共性问题（与“热点”页面相同）": "Hot matters and systemic problems ranked by heat (as on the Hot matters page)",
    "往期题目": "Earlier topics", "暂无往期题目": "No earlier topics",
    "题目": "Topic", "完成时限": "Deadline", "关联工单": "Linked orders",
    "开始前周均": "Per week before", "开始后周均": "Per week after", "开始前": "Before", "开始后": "After",
    "进行中": "In progress", "已逾期": "Overdue", "领导指定": "Set by a leader",
    "未诉先办": "Proactive tasks (未诉先办)",
    "未诉先办：历史上连续多年在同一月份集中出现的诉求，提前30天交责任单位主动处置。":
    "Proactive tasks: demands that peaked in the same month in several years of history go to the responsible "
    "unit 30 days ahead, to act before the calls come.",
    "任务": "Task", "时间窗口": "Window", "预计来电": "Calls expected", "实际来电": "Calls so far",
    "已采取的措施": "What was done", "暂无未诉先办任务": "No proactive tasks",
    "已办": "Done", "待开始": "Not yet in season", "季节中": "In season", "已过季": "Season over",
    "该热点已是一个进行中的治理项目": "this hot matter is already an open governance project",
    "治理项目": "Governance project", "默认为办理该热点工单最多的单位": "By default the unit that handled most of its orders",
    "治理目标": "Goal", "再加一题的理由": "Reason for another topic this month",
    "本月已有一题；再加一题须说明理由": "this month already has a topic; give a reason to add another",
    "开始时间": "Started", "完成时间": "Completed",
    "治理前后工单量（每周）": "Orders per week, before and after",
    "统计该题分类在其属地（共性问题为全市）的工单，开始前后各8周，按周计":
    "Orders of the topic's category in its place (city-wide for a systemic problem), by week, 8 weeks either "
    "side of the start",
    "每周数据": "Weekly figures", "周": "Week", "阶段": "Phase",
    "热点的工单（包括之后并入的）加上手工关联的，减去手工取消关联的":
    "The hot matter's orders (those joining later included), plus orders linked by hand, minus those unlinked",
    "暂无关联工单": "No linked orders", "取消关联": "Unlink", "添加关联": "Link", "记录办结": "Record as done",
    "进展": "Progress", "暂无进展": "No progress notes yet", "填写进展": "Progress note", "添加进展": "Add the note",
    "完成项目": "Complete the project", "完成说明": "Closing note",
    "每月一题：开始前后周均工单量": "Monthly topics: orders per week before and after",
}
