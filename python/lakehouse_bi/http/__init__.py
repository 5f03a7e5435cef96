"""Resilient HTTP for the glue's calls that no client library retries (webhooks, lineage)."""
