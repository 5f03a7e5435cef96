"""Governance policy validation: the YAML policy checked before it reaches a warehouse."""
