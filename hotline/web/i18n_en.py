"""English for the console frame's own pages (errors, flash messages, pickers, counters)."""

EN = {
    # error pages
    "返回上一页": "Go back",
    "请先登录": "Please log in",
    "无权访问": "Not allowed",
    "页面不存在": "Not found",
    "不支持的操作": "Not supported",
    "内容过大": "Too large",
    "输入有误": "Please check your input",
    # the stored routing suggestion on the order page
    "系统推荐": "Suggested",
    "疑似紧急警情": "Possible emergency",
    "推荐诉求分类": "Suggested categories",
    "暂无推荐": "No suggestion",
    "受理时生成": "Suggested at intake",
    # the top navigation's menu (hotline/web/nav.py)
    "更多": "More",
    # searchable pickers (static/picker.js)
    "输入名称或编码筛选": "Type a name or code to filter",
    "筛选": "Filter",
    "无匹配项": "No match",
    # character counter (static/counter.js)
    " 字": " characters",
    "超出{n}字，请精简后再提交": "{n} characters over the limit; shorten the text before submitting",
}
