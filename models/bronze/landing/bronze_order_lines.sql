{{ lakehouse.ingest_landing_files(source('landing', 'order_lines')) }}
