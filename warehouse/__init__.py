"""The DuckDB warehouse: connection, schema, metric definitions and queries."""
