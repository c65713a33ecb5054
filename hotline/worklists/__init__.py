"""worklists: saved views (保存的视图) of the order lists, with counts, and bulk work (批量操作) on
selected orders — each order through the normal ``do_action`` in its own transaction."""
