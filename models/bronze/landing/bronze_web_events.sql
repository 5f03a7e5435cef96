{{ ingest_landing_files('web_events') }}
