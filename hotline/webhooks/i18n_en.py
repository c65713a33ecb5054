"""English for the webhooks page."""

EN = {
    "Webhook订阅": "Webhook subscriptions", "Webhook": "Webhooks",
    "订阅已创建。请妥善保存签名密钥，它只显示这一次：":
        "Subscription created. Keep the signing secret safe; it is shown only this once:",
    "订阅": "Subscription", "名称": "Name", "回调地址": "URL", "事件": "Events", "启用": "Enable", "停用": "Disable",
    "暂无订阅": "No subscriptions", "新建订阅": "New subscription", "事件（不选为全部）": "Events (none selected = all)",
    "创建": "Create", "投递记录": "Deliveries", "尝试次数": "Attempts", "响应码": "HTTP status",
    "下次重试": "Next retry", "错误": "Error", "暂无投递记录": "No deliveries yet", "时间": "Time",
    "状态": "Status", "操作": "Actions", "工单编号": "Order number",
    "已送达和已取消的投递记录保留%d天；失败的一直保留，直至处理":
        "Delivered and cancelled deliveries are kept %d days; failed ones stay until dealt with",
    "投递记录永久保留": "Deliveries are kept for ever",
    "待投递": "Pending", "已送达": "Delivered", "失败": "Failed", "已取消": "Cancelled",
}
