"""No secret in the repository: the scanner of `make lint` (detect-secrets against
.secrets.baseline) run on a temp copy of the project passes the committed tree and fails a
planted fake token; profiles take credentials from env vars and keep TLS verification on."""

from __future__ import annotations

import random
import re
import shutil
import string
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[2]
HOOK = Path(sys.executable).with_name("detect-secrets-hook")
PLANTED = "python/lakehouse_bi/leaked_settings.py"


def _project_files() -> list[str]:
    """What pre-commit scans: tracked files, plus new ones not ignored by .gitignore."""
    listed = subprocess.run(
        ["git", "-C", str(PROJECT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sorted({name for name in listed.split("\0") if name and (PROJECT / name).is_file()})


@pytest.fixture
def project_copy(tmp_path) -> tuple[Path, list[str]]:
    files = _project_files()
    for name in [*files, ".secrets.baseline"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT / name, tmp_path / name)
    # detect-secrets-hook asks git about the files it scans, as under pre-commit.
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    return tmp_path, [name for name in files if name != ".secrets.baseline"]


def _scan(root: Path, files: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(HOOK), "--baseline", ".secrets.baseline", *files],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )


def _fake_tokens() -> dict[str, str]:
    """Token-shaped values built at run time, so this file itself holds none."""
    rng = random.Random(5)
    upper = string.ascii_uppercase + string.digits
    alnum = string.ascii_letters + string.digits
    return {
        "AWS_ACCESS_KEY_ID": "AKIA" + "".join(rng.choices(upper, k=16)),
        "GITHUB_TOKEN": "ghp_" + "".join(rng.choices(alnum, k=36)),
    }


def test_committed_tree_passes_the_scanner(project_copy):
    root, files = project_copy
    result = _scan(root, files)
    # 3: no new secret, the baseline's line numbers were refreshed (pre-commit asks to re-add).
    assert result.returncode in (0, 3), (
        "detect-secrets reports secrets not audited in .secrets.baseline; remove them, or audit "
        f"a false positive (docs/SECURITY.md):\n{result.stdout[-3000:]}"
    )


def test_planted_fake_token_fails_the_scanner(project_copy):
    root, files = project_copy
    lines = [f'{name} = "{value}"' for name, value in _fake_tokens().items()]
    (root / PLANTED).write_text("\n".join(lines) + "\n")
    result = _scan(root, [*files, PLANTED])
    assert result.returncode == 1, result.stdout[-3000:]
    assert f"Location:    {PLANTED}:1" in result.stdout
    assert f"Location:    {PLANTED}:2" in result.stdout
    assert "AWS Access Key" in result.stdout
    assert "GitHub Token" in result.stdout
    reported = {
        line.split(":")[1].strip() for line in result.stdout.splitlines() if "Location:" in line
    }
    assert reported == {PLANTED}, f"only the planted file should be reported, got {reported}"


CREDENTIAL_KEYS = ("host", "http_path", "token", "client_id", "client_secret", "password")


def _profile_outputs() -> list[tuple[str, dict]]:
    profiles = yaml.safe_load((PROJECT / "profiles.yml.example").read_text())
    return [
        (f"{profile}.outputs.{target}", output)
        for profile, body in profiles.items()
        for target, output in body["outputs"].items()
    ]


def test_profiles_read_credentials_from_env_vars_only():
    checked = 0
    for where, output in _profile_outputs():
        for key in CREDENTIAL_KEYS:
            if key in output:
                # An empty default is allowed (staging/prod take a CI token or a client
                # secret, whichever is set: docs/CI.md); any other default could hold a value.
                assert re.fullmatch(
                    r"\{\{\s*env_var\('[A-Z_]+'(,\s*'')?\)\s*\}\}", str(output[key])
                ), f"profiles.yml.example: {where}.{key} env_var, no non-empty default"
                checked += 1
    assert checked >= 9  # host, http_path and a credential per Databricks target


def test_profiles_never_disable_tls_verification():
    for where, output in _profile_outputs():
        parameters = output.get("connection_parameters") or {}
        assert not parameters.get("_tls_no_verify"), where
        assert parameters.get("_tls_verify_hostname", True) is not False, where


def test_env_example_holds_no_secret_values():
    for line in (PROJECT / ".env.example").read_text().splitlines():
        name, _, value = line.partition("=")
        if re.search(r"TOKEN|SECRET|PASSWORD", name) and not line.startswith("#"):
            assert value == "", f".env.example: {name} must stay empty"
