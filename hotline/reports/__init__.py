"""reports: the monthly analysis report (月度分析报告) for leaders — HTML, PDF, stored files, subscriptions."""
