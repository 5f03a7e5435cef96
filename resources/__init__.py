"""Bundle resources defined in Python: the Databricks CLI calls `load_resources` (see
databricks.yml, `python.resources`). The definitions live in python/lakehouse_bi/deploy/jobs.py."""

from pathlib import Path

from databricks.bundles.core import Bundle, Resources

from lakehouse_bi.deploy.jobs import build_resources

PROJECT_DIR = Path(__file__).resolve().parent.parent


def load_resources(bundle: Bundle) -> Resources:
    """The jobs (and SQL warehouse) of `bundle.target`."""
    return build_resources(bundle, PROJECT_DIR)
