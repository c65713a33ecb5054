"""catalogue: the dispatch catalogue (派单目录) and the category taxonomy, edited in the console, versioned.

docs/admin.md ("派单目录与分类") says what the screens do; docs/routing.md how routing reads it.
"""
