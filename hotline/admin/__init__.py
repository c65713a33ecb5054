"""admin: the console's 管理 (Administration) pages: people, the audit log, and one's own account.

The writes are ``hotline.org.people`` (the same flows as ``/api/v1/admin``); docs/admin.md says
what each screen does.
"""
