"""The semantic layer: Unity Catalog metric views and their local (DuckDB) equivalent."""
