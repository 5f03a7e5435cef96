-- Landed records per entity and run date: in, quarantined, passed, freshness lag.
{{ union_per_entity(landed_entities(), dq_landed_records) }}
