"""`lakehouse-bi validate`: every spec file kind checked offline in one pass (registry.py)."""
