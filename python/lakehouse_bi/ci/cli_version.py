"""One Databricks CLI version everywhere, checked by `make lint` (pre-commit hook
`databricks-cli-version`):

- databricks.yml `bundle.databricks_cli_version` (`">= X.Y.Z"`) is the one source: the CLI
  itself refuses to deploy the bundle with an older version;
- X.Y.Z is at least the databricks-bundles version pinned in constraints.txt (the Python
  resources' library is released with the CLI of the same version and needs that CLI or newer);
- every workflow step `uses: databricks/setup-cli@...` installs exactly X.Y.Z (`with.version`);
- every "Databricks CLI <version>" the docs and README name is X.Y.Z.

Usage: `python -m lakehouse_bi.ci.cli_version [PROJECT_DIR]`; exit 1 with one line per problem
naming the file and key.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

BUNDLE_FILE = "databricks.yml"
CONSTRAINTS_FILE = "constraints.txt"
WORKFLOWS_DIR = Path(".github/workflows")
SETUP_CLI_ACTION = "databricks/setup-cli@"
MINIMUM = re.compile(r"^\s*>=\s*(\d+\.\d+\.\d+)\s*$")
BUNDLES_PIN = re.compile(r"^databricks-bundles==(\d+\.\d+\.\d+)\s*$", re.M)
# "Databricks CLI 1.22.1", "Databricks CLI (v0.250 or newer", across a line break too.
DOC_MENTION = re.compile(r"Databricks CLI[\s(]*(?:v|version\s+)?(\d+\.\d+(?:\.\d+)?)")


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def pinned_cli_version(project_dir: Path) -> str | None:
    """X.Y.Z of databricks.yml's `bundle.databricks_cli_version: ">= X.Y.Z"` (None if absent
    or not of that form)."""
    bundle = yaml.safe_load((project_dir / BUNDLE_FILE).read_text(encoding="utf-8")) or {}
    match = MINIMUM.match(str((bundle.get("bundle") or {}).get("databricks_cli_version", "")))
    return match.group(1) if match else None


def version_problems(project_dir: Path) -> list[str]:
    """Every disagreement between the CLI version sources listed in the module docstring."""
    version = pinned_cli_version(project_dir)
    if version is None:
        return [
            f"{BUNDLE_FILE}: bundle.databricks_cli_version must be '>= X.Y.Z' (the CLI version "
            "CI installs and the docs name)."
        ]
    problems = []
    pin = BUNDLES_PIN.search((project_dir / CONSTRAINTS_FILE).read_text(encoding="utf-8"))
    if pin is None:
        problems.append(f"{CONSTRAINTS_FILE}: no databricks-bundles==X.Y.Z pin.")
    elif _version(version) < _version(pin.group(1)):
        problems.append(
            f"{BUNDLE_FILE}: bundle.databricks_cli_version >= {version} is older than "
            f"databricks-bundles {pin.group(1)} ({CONSTRAINTS_FILE}), which needs CLI "
            f"{pin.group(1)} or newer."
        )
    for path in sorted((project_dir / WORKFLOWS_DIR).glob("*.yml")):
        workflow = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for job_name, job in (workflow.get("jobs") or {}).items():
            for index, step in enumerate((job or {}).get("steps") or []):
                if not str(step.get("uses", "")).startswith(SETUP_CLI_ACTION):
                    continue
                installed = str((step.get("with") or {}).get("version", ""))
                if installed != version:
                    problems.append(
                        f"{path.relative_to(project_dir)}: jobs.{job_name}.steps[{index}]"
                        f".with.version: {installed or 'unset'!r}, expected {version!r} "
                        f"({BUNDLE_FILE} bundle.databricks_cli_version)."
                    )
    for path in sorted([*(project_dir / "docs").glob("*.md"), project_dir / "README.md"]):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        for mention in DOC_MENTION.finditer(text):
            if mention.group(1) != version:
                number = text.count("\n", 0, mention.start()) + 1
                problems.append(
                    f"{path.relative_to(project_dir)}:{number}: names Databricks CLI "
                    f"{mention.group(1)}; the pinned version is {version}."
                )
    return problems


def main(argv: list[str] | None = None) -> int:
    """Print each problem; 0 when the versions agree, 1 otherwise."""
    args = sys.argv[1:] if argv is None else argv
    problems = version_problems(Path(args[0]) if args else Path("."))
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
