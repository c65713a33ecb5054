"""English for the hot matters' words (hotline/web/templates/hotspots_*.html)."""

EN = {
    "各市热点": "Hot matters across the cities", "热点": "Hot matter", "热度": "Heat", "涉及城市": "Cities",
    "时间跨度": "Span", "暂无热点": "No hot matters",
    "近30天各市工单中同一地点、同一诉求的聚集，按热度排序（算法与口径见 docs/hotspots.md）":
    "Orders of every city in the last 30 days about the same place and the same demand, grouped and ranked "
    "by heat (method and formula: docs/hotspots.md)",
    # the city's hot matters and systemic problems (/hotspots, /hotspots/{id})
    "热点与共性问题": "Hot matters and systemic problems", "共性问题": "Systemic problems",
    "热点：近30天内同一地点（或对象）、同一诉求的多件工单，按热度排序。":
    "Hot matters: several orders in the last 30 days about the same place (or object) and the same demand, "
    "ranked by heat.",
    "共性问题：同一类诉求（同一诉求词，不论归在哪个分类）出现在至少5个属地，且没有一个属地占一半以上。热点是一处地方很多人反映；"
    "共性问题是很多地方反映同一件事，往往需要一项全市性的整改，而不是逐件处置。":
    "Systemic problems: the same kind of demand (the same demand word, whatever category it was filed under) in at least 5 "
    "territories, none of which holds more than half of it. A hot matter is many people about one place; a "
    "systemic problem is many places with the same problem, which usually needs one city-wide fix rather "
    "than order-by-order handling.",
    "分组阈值 %.2f（由 %d 条更正学得，默认 %.2f）": "grouping threshold %.2f (learned from %d corrections, default %.2f)",
    "分组阈值 %.2f（默认）": "grouping threshold %.2f (the default)",
    "分组阈值 %.2f（管理员回滚到第%d版，默认 %.2f）":
    "grouping threshold %.2f (rolled back to version %d by an administrator, default %.2f)",
    # its versions in the admin console's settings history (tuning.describe)
    "%.2f：由 %d 条更正学得（相同 %d、不同 %d）": "%.2f: learned from %d corrections (%d same, %d different)",
    "%.2f：重置为默认值": "%.2f: reset to the default", "%.2f：回滚到第%d版": "%.2f: rolled back to version %d",
    "%.2f：默认值": "%.2f: the default",
    "热点分组阈值版本": "Grouping threshold versions",
    "分组阈值的每一版（系统由更正学得、人员重置或回滚），比较两版并回滚到某一版":
    "Every version of the grouping threshold (learned by the system from corrections, a person's reset or "
    "rollback); compare two and roll back to one", "重置为默认": "Reset to the default",
    "热点分组阈值": "Hot matters' grouping threshold",
    "由领导合并、拆分热点的更正学得的分组阈值（默认0.60），可重置为默认值":
    "The grouping threshold learned from the leaders' merges and splits of hot matters (default 0.60); reset it "
    "to the default",
    "分组阈值已重置为默认值": "The grouping threshold was reset to the default",
    "地点": "Place", "地点数": "Places", "增长": "Growth", "诉求人数": "Callers", "涉及单位": "Units involved",
    "涉及地点": "Places involved", "未处理": "Open", "暂无共性问题": "No systemic problems",
    "概况": "Summary", "每日工单量": "Orders per day", "历史": "History", "领导更正": "Corrections",
    "合并与拆分会被记住：此后每次重新聚类都不会撤销这些更正。":
    "Merges and splits are remembered: no later re-grouping undoes them.",
    "处理说明": "Handling note", "标记为已处理": "Mark handled", "并入另一热点": "Merge another hot matter into this one",
    "合并": "Merge", "最近一次重新聚类": "Last re-grouped", "将所选工单拆分出去": "Split the selected orders out", "已合并或失效": "Merged or dissolved",
    "查看合并后的热点": "Open the merged hot matter", "返回热点列表": "Back to the hot matters",
    # history
    "形成": "Formed", "新增工单": "Orders added", "移出工单": "Orders removed", "标记已处理": "Marked handled",
    "拆分": "Split", "解散": "Dissolved", "超出时间窗口": "Left the window",
    # the hotspot map (/hotspots/map)
    "热点地图": "Hotspot map", "地图": "Map", "地图选项": "Map options", "周期": "Period", "近%d天": "Last %d days",
    "层级": "Level", "街道（乡镇）": "Streets (townships)", "指标": "Measure", "查看": "Show",
    "各属地数据": "Figures by territory", "右侧表格列出相同数据": "the table beside it lists the same figures",
    "地图上的工单点": "Order points on the map", "工单点超过上限，已均匀抽样": "more orders than the limit: sampled evenly",
    "显示最近": "showing the latest",
    "本市城市文件未配置边界文件（boundaries）": "The city file names no boundary file (boundaries)",
    "颜色越深，所选指标越高；圆点是有坐标的工单（按诉求大类着色），大圆点是热点。点击区域查看其工单和热点。":
    "The darker the region, the higher the chosen measure; dots are orders with coordinates (coloured by top-level "
    "category), big dots are hot matters. Click a region to see its orders and hot matters.",
    "该层级下没有这个属地": "no such territory at this level",
}
