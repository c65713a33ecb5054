"""Import of historical orders from CSV/Excel (column mapping, validation report, idempotent) and export."""
