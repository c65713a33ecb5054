"""English for the 管理 (Administration) and account pages."""

EN = {
    "管理": "Administration", "人员列表": "People", "新建人员": "New user", "用户名或姓名": "User name or name",
    "姓名": "Name", "在用": "Active", "账号已停用": "Disabled", "待设置新密码": "Must choose a new password",
    "最近登录": "Last login", "在线会话": "Active sessions", "两步验证": "Second factor", "已启用": "Enabled",
    "未启用": "Not enabled", "没有符合条件的人员": "No user matches", "初始密码": "Initial password",
    "密码至少10个字符，不能包含用户名，不能是常见密码。该人员首次登录时须设置自己的新密码。":
        "At least 10 characters, not containing the user name, not a common password. "
        "The person chooses their own new password at the first login.",
    "密码至少10个字符，不能包含用户名，不能是常见密码。":
        "At least 10 characters, not containing the user name, not a common password.",
    "创建时间": "Created", "停用账号": "Disable account", "重新启用": "Re-enable", "解除两步验证": "Remove second factor",
    "重置密码": "Reset password", "临时密码": "Temporary password",
    "该人员的会话将结束，下次登录时须设置新密码。": "Their sessions end; they choose a new password at the next login.",
    "登录会话": "Login sessions", "登录时间": "Logged in", "到期时间": "Expires", "结束": "End",
    "结束全部会话": "End all sessions", "没有在线会话": "No active session", "接口令牌": "API tokens",
    "权限": "Scope", "最近使用": "Last used", "长期": "No expiry", "已吊销": "Revoked", "有效": "Valid",
    "吊销": "Revoke", "没有接口令牌": "No API token", "新建接口令牌": "New API token",
    "有效期（天，留空为长期）": "Valid for (days; empty: no expiry)", "创建令牌": "Create token",
    "令牌已创建。请立即复制保存，它只显示这一次：": "Token created. Copy it now; it is shown only this once:",
    "只读": "Read only", "读写": "Read and write", "最近的管理操作": "Recent administrative changes",
    "暂无记录": "No records yet",
    "审计日志": "Audit log", "操作人": "Actor", "对象类型": "Object type", "对象": "Object", "记录": "Records",
    "修改前": "Before", "修改后": "After", "详情": "Detail", "没有符合条件的记录": "No record matches",
    "新建、修改、停用和启用人员，重置密码，查看和结束登录会话，管理接口令牌":
        "Create, edit, disable and re-enable users, reset passwords, see and end login sessions, manage API tokens",
    "按操作人、对象和时间查询每一次管理操作的修改前后，并导出":
        "Every administrative change with before and after, by actor, object and time, and its export",
    "单位职责与关键词": "Units' duties and keywords", "CSV/Excel 导入工单": "Import orders from CSV/Excel",
    "Webhook订阅与投递记录": "Webhook subscriptions and deliveries",
    "修改人员": "Edit user", "结束会话": "End sessions", "吊销令牌": "Revoke token", "登录失败": "Failed login",
    # account
    "我的账号": "My account", "设置新密码": "Choose a new password", "修改密码": "Change password",
    "管理员已重置您的密码，请先设置新密码": "An administrator reset your password; choose a new one first",
    "当前密码": "Current password", "新密码": "New password", "确认新密码": "Confirm new password",
    "保存新密码": "Save new password", "动态验证码": "One-time code",
    "动态验证码（已启用两步验证的账号填写）": "One-time code (accounts with a second factor)",
    "两步验证已启用：登录时须填写验证器应用中的动态验证码。":
        "The second factor is on: enter the code from your authenticator app when you log in.",
    "关闭两步验证": "Turn off the second factor",
    "用验证器应用（如 Microsoft Authenticator、FreeOTP）扫描二维码，或手动输入密钥，然后填写应用显示的6位动态验证码。":
        "Scan the QR code with an authenticator app (e.g. Microsoft Authenticator, FreeOTP) or type the key, "
        "then enter the 6-digit code the app shows.",
    "密钥": "Key", "启用两步验证": "Turn on the second factor",
    "系统管理员和领导账号可以启用两步验证：登录时除密码外还须填写手机验证器应用中的动态验证码。":
        "Administrators and leaders may add a second factor: besides the password, a one-time code from an "
        "authenticator app on the phone.",
    "开始设置": "Set up",
}
