"""English for the enterprise desk and the intake form's requester fields."""

EN = {
    "涉企诉求": "Enterprise demands", "诉求人类型": "Requester", "个人": "Individual",
    "企业（涉企诉求）": "Enterprise (enterprise demand)", "统一社会信用代码": "Unified social credit code",
    "涉企诉求受理量": "Enterprise demands received", "涉企诉求台账": "Enterprise desk",
    "近30天受理": "Received, last 30 days", "其中涉企": "of them enterprise", "涉企占比": "Enterprise share",
    "在办涉企诉求": "Open enterprise demands", "没有在办的涉企诉求": "No open enterprise demands",
    "涉企诉求按企业专属时限办理（城市时限配置 requesters: [enterprise]）。":
        "Enterprise demands run on their own limits (the city's SLA policy with requesters: [enterprise]).",
}
