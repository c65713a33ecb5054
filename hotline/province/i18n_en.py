"""English for the province's pages (hotline/web/templates/city_*.html)."""

EN = {
    "全省概览": "Province overview", "城市管理": "Cities", "只读：省级账号查看各市数据，不能修改":
    "Read-only: provincial accounts see every city and change nothing", "各市三率排名": "The three rates by city", "城市": "City", "在办": "Open", "响应率": "Response rate",
    "各市超期工单": "Overdue orders by city", "期限": "Due", "代码": "Code", "时区": "Time zone",
    "工单编号前缀": "Order number prefix", "由城市配置文件新建城市": "Create a city from its city file",
    "上传一个完整的城市配置文件（YAML，不含include），将建立该市的单位、分类、派单目录和用户。":
    "Upload a complete city file (YAML, without include): the city's units, categories, dispatch catalogue and "
    "users are created.", "城市配置文件": "City file", "新建城市": "Create city",
}
