"""English for the hot matters' words (hotline/web/templates/hotspots_*.html)."""

EN = {
    "各市热点": "Hot matters across the cities", "热点": "Hot matter", "热度": "Heat", "涉及城市": "Cities",
    "时间跨度": "Span", "暂无热点": "No hot matters",
    "近30天各市工单中同一地点、同一诉求的聚集，按热度排序（算法与口径见 docs/hotspots.md）":
    "Orders of every city in the last 30 days about the same place and the same demand, grouped and ranked "
    "by heat (method and formula: docs/hotspots.md)",
}
