-- Conservation of landed records, per entity and batch: landed = quarantined + superseded
-- + applied + deletes applied + not applied (late). `unaccounted` must be 0.
{{ union_per_entity(landed_entities(), record_conservation) }}
