"""units: the unit tree in the administration console (create, rename, move, merge, retire)."""
