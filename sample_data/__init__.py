"""The bundled sample organizations, as CSV files (package data)."""
