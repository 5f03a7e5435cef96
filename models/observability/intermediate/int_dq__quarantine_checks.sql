-- Records each declared quarantine check caught, per entity and run date (zeros included).
{{ union_per_entity(landed_entities(), dq_quarantine_checks) }}
