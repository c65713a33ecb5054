"""settings: the city's live settings in the console, versioned (time limits, holidays, KPI weights)."""
