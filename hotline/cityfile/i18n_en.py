"""English for the 城市文件 page of 管理 (the city file's export and import)."""

EN = {
    "导出现行配置": "Export the live configuration",
    "城市文件用于建立新城市，控制台用于日常运行。导出的文件包含单位树、分类和派单目录、时限与节假日、KPI设置，不含人员。":
        "The city file sets up a new city; the console runs it. The export holds the unit tree, the categories and "
        "the dispatch catalogue, the time limits and holidays and the KPI settings, but no people.",
    "下载城市文件": "Download the city file",
    "导入城市文件": "Import a city file",
    "上传修改后的城市文件，先按部分预览差异，再填写原因确认导入。":
        "Upload an edited city file, see the differences section by section, then give a reason and confirm.",
    "城市文件（YAML）": "City file (YAML)",
    "没有修改：文件与现行配置相同": "No changes: the file is the same as the live configuration",
    "无法导入": "Cannot be imported",
    "改名": "Rename", "撤销": "Retire",
    "新增放假日": "Holiday added", "删除放假日": "Holiday removed",
    "新增调休上班日": "Make-up working day added", "删除调休上班日": "Make-up working day removed",
    "把现行配置导出为城市文件；上传城市文件，按部分预览差异后确认导入":
        "Export the live configuration as a city file; upload a city file, preview the differences by section, "
        "then confirm the import",
}
