"""The exception hierarchy: every error kind has its own exit code and a hint, and the CLI
turns each into a message and that exit code."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from lakehouse_bi import errors
from lakehouse_bi.cli import main

KINDS = [
    errors.DataQualityError,
    errors.SchemaEvolutionError,
    errors.DeploymentValidationError,
    errors.WarehouseError,
    errors.ExternalServiceError,
    errors.RollbackError,
]


def test_each_kind_has_its_own_exit_code_and_a_default_hint():
    codes = [kind.exit_code for kind in KINDS]
    assert len(set(codes)) == len(codes)
    assert not set(codes) & {0, errors.LakehouseBIError.exit_code, errors.ConfigError.exit_code}
    for kind in KINDS:
        assert issubclass(kind, errors.LakehouseBIError)
        error = kind("it broke")
        assert error.hint == kind.default_hint
        assert str(error) == f"it broke\n  What to do: {kind.default_hint}"
        assert kind("it broke", "do this").hint == "do this"


@pytest.mark.parametrize("kind", KINDS)
def test_the_cli_exits_with_the_kind_code(kind, monkeypatch):
    @click.command("boom")
    def boom() -> None:
        raise kind("something specific failed")

    main.add_command(boom)
    try:
        result = CliRunner().invoke(main, ["boom"])
    finally:
        main.commands.pop("boom")
    assert result.exit_code == kind.exit_code
    assert "Error: something specific failed" in result.output
    assert "What to do:" in result.output
