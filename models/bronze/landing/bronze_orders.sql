{{ lakehouse.ingest_landing_files(source('landing', 'orders')) }}
