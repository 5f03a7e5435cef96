{{ ingest_landing_files('customers') }}
