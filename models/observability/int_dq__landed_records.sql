-- Landed records per entity and run date: in, quarantined, passed, freshness lag.
{{ dq_union_entities(dq_landed_records) }}
