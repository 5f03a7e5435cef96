{{ ingest_landing_files('products') }}
