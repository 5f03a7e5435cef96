{{ lakehouse.ingest_landing_files(source('landing', 'products')) }}
