{{ ingest_landing_files('orders') }}
