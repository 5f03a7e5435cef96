-- Records each declared quarantine check caught, per entity and run date (zeros included).
{{ dq_union_entities(dq_quarantine_checks) }}
