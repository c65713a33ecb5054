"""English for the supervisor board (督办看板)."""

EN = {
    "督办看板": "Supervision board",
    "临期、超期工单与待回复督办，每30秒自动刷新": "Due-soon and overdue orders and open notices; refreshes every 30 s",
    "更新于": "Updated",
    "按主办单位": "By lead unit",
    "超期": "Overdue",
    "临期": "Due soon",
    "超期工单": "Overdue orders",
    "临期工单": "Orders due soon",
    "待回复督办": "Notices awaiting an answer",
    "没有临期或超期的工单": "No orders due soon or overdue",
    "请抓紧办理，按时办结": "Please hurry and complete on time",
    "工单已超期，请立即办理并回复督办": "The order is overdue: handle it now and answer this notice",
}
