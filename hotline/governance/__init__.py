"""governance: 每月一题 (a month's topic made a governance project) and 未诉先办 (proactive tasks for
seasonal demands predicted from history).  See docs/hotspots.md, "每月一题 and 未诉先办"."""
