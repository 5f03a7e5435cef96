"""Deployment to Databricks: bundle jobs, dashboards and alerts."""
