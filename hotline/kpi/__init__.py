"""KPIs of the hotline: the three rates and more, rankings, the leaders' dashboard (docs/kpi.md)."""
