"""English for saved views and bulk work (partials/worklists_*.html, worklists_bulk.html, the list's sort)."""

EN = {
    "保存的视图": "Saved views", "角色共享": "shared with the role", "暂无视图": "No saved views yet",
    "保存为视图": "Save as a view", "视图名称": "View name", "共享给同角色": "Share with my role",
    "保存当前筛选为视图": "Save the current filter as a view", "删除此视图": "Delete this view",
    "批量操作": "Bulk actions",
    "在下表勾选工单，再选择操作。每件工单单独处理，部分失败不影响其他工单。":
        "Tick orders in the table below, then choose an action. Each order is handled on its own: "
        "one failing does not stop the others.",
    "批量派单": "Bulk dispatch", "批量催办": "Bulk reminder (催办)", "批量指派回访员": "Bulk assign callback agent",
    "派单至（主办单位）": "Dispatch to (lead unit)", "诉求分类（无分类的工单必填）": "Category (needed for orders without one)",
    "执行批量操作": "Run bulk action", "导出所选": "Export selected", "成功": "Done", "逐件结果": "Result per order",
    "返回列表": "Back to the list", "选择": "Select", "排序": "Sort",
    "受理时间（新的在前）": "Intake time (newest first)", "按时限灯（超期、临期在前）": "Deadline light (overdue, due soon first)",
    "按原顺序": "Usual order", "批量签收": "Bulk sign for", "符合筛选的工单": "Orders matching the filter",
    "全部工单": "All orders", "按时限灯排序（超期、临期在前）": "Sort by deadline light (overdue, due soon first)",
}
