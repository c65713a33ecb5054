"""Appeals (申诉) against evaluations and designation of unreasonable demands (不合理诉求认定)."""
