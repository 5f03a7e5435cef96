"""CI/CD glue: workflow policy, scheduled data validation."""
