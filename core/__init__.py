"""famtriage's engine: pure Python and polars, never a UI import."""
