"""English for the 派单目录与分类 pages (the dispatch catalogue and categories)."""

EN = {
    "派单目录与分类": "Dispatch catalogue and categories",
    "三级分类与派单目录条目（分类×属地→主办、协办、关键词），版本比较与回滚，表格导入导出":
        "The three-level categories and the catalogue entries (category × territory → lead, co-units, keywords); "
        "compare and roll back versions; spreadsheet import and export",
    "当前版本": "Current version",
    "城市配置文件中的分类，尚无目录条目": "the city file's categories, no catalogue entries yet",
    "目录条目": "Catalogue entries",
    "分类×属地→主办单位、协办单位和关键词。智能派单按最具体的条目推荐主办单位：先本分类、再上级分类；同一分类先本属地、再全市。":
        "Category × territory → lead unit, co-units and keywords. Routing suggests the lead unit of the most specific "
        "entry: the category's own before its parent's; in one category the territory's own before the city-wide one.",
    "全市": "Whole city", "编辑": "Edit",
    "尚无目录条目：智能派单按分类的默认单位和单位职责关键词推荐":
        "No entries yet: routing suggests the categories' default units and the units' duty keywords",
    "保存目录条目": "Save a catalogue entry",
    "同一分类和属地已有条目时，保存即修改该条目。": "If the category and territory have an entry already, saving changes it.",
    "属地（可不选：全市）": "Territory (optional: whole city)",
    "关键词（用顿号或逗号分隔）": "Keywords (separated by 、 or commas)", "删除原因": "Reason for removing", "删除此条目": "Remove this entry",
    "导入与导出": "Import and export", "导出": "Export",
    "导入的表格替换全部目录条目（分类不变）：先显示与当前版本的差异，确认后保存为一个新版本。列：分类编码、属地编码、主办单位编码、协办单位编码、关键词；名称列仅供阅读。":
        "An imported spreadsheet replaces all catalogue entries (the categories stay): the differences from the current "
        "version are shown first, and confirming saves one new version. Columns: category code, territory code, lead "
        "unit code, co-unit codes, keywords; the name columns are for reading only.",
    "目录表格（.xlsx 或 .csv）": "Catalogue spreadsheet (.xlsx or .csv)", "预览差异": "Preview the differences",
    "编码保持不变：改名和移动不改编码；停用的分类不再用于新工单，历史工单照常显示。":
        "Codes never change: renaming and moving keep the code; a retired category is not offered for new orders, "
        "old orders still show it.",
    "修改分类": "Edit category", "上级分类": "Parent category", "（一级分类）": "(first level)",
    "默认紧急": "Urgent by default", "属地管理": "Territorial (属地)", "停用或恢复的原因": "Reason for retiring or restoring",
    "恢复分类": "Restore category", "停用分类（连同下级）": "Retire category (with its children)",
    "三级分类": "Three-level categories", "标记": "Flags", "新增分类": "New category",
    "默认单位": "Default units",
    "导入后": "after the import", "条目": "Entries", "两版没有差异": "The two versions do not differ",
    "确认导入": "Confirm the import", "文件与当前版本相同，无需导入。": "The file equals the current version; nothing to import.",
    "确认导入为新版本": "Import as a new version", "导入预览": "Import preview", "版本比较": "Compare versions",
    "派单目录版本": "Catalogue versions", "比较：从版本": "Compare: from version", "到版本": "to version", "版本列表": "Versions", "变化": "Changes", "与上一版比较": "Compare with the previous one", "回滚到此版": "Roll back to this version",
    "推荐协办单位": "Suggested co-units", "请选择城市": "Choose a city",
    "尚无版本：当前为城市配置文件中的分类（第0版）": "No versions yet: the city file's categories (version 0) apply",
}
