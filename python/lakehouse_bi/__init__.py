"""lakehouse-bi: the Python glue around the dbt sales-analytics lakehouse."""

__version__ = "0.1.0"
