"""Install the pinned dbt packages: from the dbt hub when it answers, else from a local cache."""
