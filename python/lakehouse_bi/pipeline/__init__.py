"""Run the dbt pipeline and Elementary from Python: the demo and its summary."""
