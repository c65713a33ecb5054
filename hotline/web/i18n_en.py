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
    # character counter (static/counter.js)
    " 字": " characters",
    "超出{n}字，请精简后再提交": "{n} characters over the limit; shorten the text before submitting",
}
