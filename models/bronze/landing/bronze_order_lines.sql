{{ ingest_landing_files('order_lines') }}
