"""Fixtures shared by the unit tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def sail_spark():
    """A Spark session on a local Sail server (pysail, a dev dependency): the render tests run
    Databricks renderings on it, as tests/integration runs the recorded Databricks SQL. Sail is
    a Spark engine standing in for Databricks, not Databricks. Session time zone UTC."""
    pysail = pytest.importorskip("pysail.spark")
    from pyspark.sql import SparkSession

    server = pysail.SparkConnectServer(ip="127.0.0.1", port=0)
    server.start(background=True)
    host, port = server.listening_address
    session = SparkSession.builder.remote(f"sc://{host}:{port}").getOrCreate()
    session.conf.set("spark.sql.session.timeZone", "UTC")
    yield session
    session.stop()
    server.stop()
