{{ lakehouse.ingest_landing_files(source('landing', 'web_events')) }}
