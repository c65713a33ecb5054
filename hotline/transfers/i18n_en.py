"""English for 转办's pages (hotline/web/templates/transfers_*.html) and its words elsewhere."""

EN = {
    "转办记录": "Transfers between cities", "转出城市": "From city", "接收城市": "To city",
    "转办理由": "Reason for transfer", "接收时限": "Accept by",
    "转办状态": "Transfer state", "待接收": "Awaiting acceptance", "已接收": "Accepted", "对方工单状态": "Other order's status", "处理人": "Decided by", "处理意见": "Decision",
    "转入": "Incoming", "转出": "Outgoing", "方向": "Direction", "转办待接收": "Transfers to accept",
    "其他城市转来、等待本中心接收或退回的工单（接收时限按本市工作日计算）":
    "Orders other cities transferred here, waiting for this centre to accept or return them (time limit in "
    "this city's working days)",
    "转办至城市": "Transfer to city", "接收意见": "Acceptance note", "退回理由": "Reason for return",
    "暂无转办": "No transfers", "各市之间的转办": "Transfers between cities", "转办时间": "Sent",
    "转办人": "Sent by",
}
