"""Schema comparison and migration DDL for landing and warehouse tables (`lakehouse-bi schema`)."""
