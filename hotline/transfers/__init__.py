"""转办 between cities: one centre hands an order to another city's centre (a generic inter-centre
handoff, ``transfers``), which accepts it as a new order of its own or returns it (docs/transfers.md)."""
