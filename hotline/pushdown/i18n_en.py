"""English for the push-down pages (pushdown_list.html, partials/pushdown_*.html)."""

EN = {
    "下沉派单": "Push-downs",
    "派单目录明确由职能部门承办的事项派给街道、乡镇或社区时须说明理由，由督办员审核（国办函〔2025〕66号：不得将部门职责下推给乡镇街道）。":
        "Work the dispatch catalogue gives a functional department needs a stated reason when it is dispatched to a "
        "street, township or community, and a supervisor reviews it (国办函〔2025〕66号: department work must not be "
        "pushed down to townships).",
    "派给": "Sent to", "派单目录承办部门": "Catalogue's department", "下沉理由": "Reason for the push-down",
    "理由成立": "Reason accepted", "理由不成立": "Reason not accepted",
    "系统（自动派单）": "System (auto-dispatch)",
    "派单目录规定该类诉求由以下部门承办：": "The dispatch catalogue gives this kind of demand to: ",
    "派给街道、乡镇或社区须说明理由，由督办员审核。":
        "Dispatching it to a street, township or community needs a reason, which a supervisor reviews.",
    "下沉派单（按派单员）": "Push-downs by dispatcher",
    "近30天派单目录明确由部门承办、却派给街道乡镇的工单": "Last 30 days: department work the catalogue names, dispatched to townships",
    "下沉派单数": "Push-downs",
}
