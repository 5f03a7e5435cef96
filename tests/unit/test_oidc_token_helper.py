""".ci/github_oidc_token.sh (issue 24): the federated token reaches only the command the step
runs through the helper -- not $GITHUB_ENV or $GITHUB_OUTPUT (every later step), not a
command line -- and is masked in the log. The SDK exchange and `make setup` are faked."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "dapi-FEDERATED-TOKEN"  # pragma: allowlist secret


def _fake_checkout(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    checkout = tmp_path / "repo"
    (checkout / ".ci").mkdir(parents=True)
    shutil.copy(ROOT / ".ci/github_oidc_token.sh", checkout / ".ci/github_oidc_token.sh")
    tools = {
        checkout / ".venv/bin/python": f"#!/bin/sh\necho {TOKEN}\n",  # the SDK's exchange
        tmp_path / "bin/make": "#!/bin/sh\nexit 0\n",  # `make setup`: already set up
    }
    for path, text in tools.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    env = {
        "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_ACTIONS": "true",
        "GITHUB_ENV": str(tmp_path / "github_env"),
        "GITHUB_OUTPUT": str(tmp_path / "github_output"),
    }
    for name in ("GITHUB_ENV", "GITHUB_OUTPUT"):
        Path(env[name]).write_text("")
    return checkout, env


def test_the_token_reaches_only_the_wrapped_command(tmp_path):
    checkout, env = _fake_checkout(tmp_path)
    seen = tmp_path / "seen"
    run = subprocess.run(
        [
            str(checkout / ".ci/github_oidc_token.sh"),
            "sh",
            "-c",
            f'echo "$DATABRICKS_TOKEN" > {seen}',
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert seen.read_text().strip() == TOKEN  # the step's own command has it
    assert f"::add-mask::{TOKEN}" in run.stdout  # masked before any use
    assert Path(env["GITHUB_ENV"]).read_text() == ""  # later steps do not
    assert Path(env["GITHUB_OUTPUT"]).read_text() == ""


def test_the_command_exit_code_is_the_step_exit_code(tmp_path):
    checkout, env = _fake_checkout(tmp_path)
    run = subprocess.run(
        [str(checkout / ".ci/github_oidc_token.sh"), "sh", "-c", "exit 7"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 7


def test_without_a_command_it_refuses_and_exports_nothing(tmp_path):
    checkout, env = _fake_checkout(tmp_path)
    run = subprocess.run(
        [str(checkout / ".ci/github_oidc_token.sh")],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 2
    assert "usage: .ci/github_oidc_token.sh <command>" in run.stderr
    assert TOKEN not in run.stdout + run.stderr
    assert Path(env["GITHUB_ENV"]).read_text() == ""
