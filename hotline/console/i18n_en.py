"""English for the order page's layout (issue #20: the next step first) and the caller-history page."""

EN = {
    "下一步": "Next step",
    "其他操作": "Other actions",
    "本单相关": "About this order",
    "已按系统推荐预填主办单位和诉求分类，可修改后派单。":
        "The lead unit and category are pre-filled from the suggestion; change them if needed, then dispatch.",
    "该工单没有联系电话": "This order has no phone number",
}
