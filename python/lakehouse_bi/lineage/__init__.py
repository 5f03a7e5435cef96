"""Lineage from dbt's manifest: column lineage from compiled SQL, and the model graph."""
