"""The province across its cities: read-only views for provincial leaders and supervisors (the three
rates, volumes and overdue per city, ranked) and the provincial administrator's 'add a city'."""
