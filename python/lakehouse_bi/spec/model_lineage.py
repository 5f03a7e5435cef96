"""Every dependency of a model is visible in the model's own file (docs/ARCHITECTURE.md,
"Lineage in the model file").

dbt records a model's parents from every `ref()` / `source()` its Jinja calls at parse time,
macros included; a reader of the file (and of `dbt docs`) should not have to open a macro to
learn what the model reads. So each parent must be named in the model's raw code, either as
the `ref()` / `source()` call itself or on a `-- depends_on: {{ ref('...') }}` line where a
macro does the reading (dbt's documented way to declare a dependency).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from lakehouse_bi.spec.dbt_manifest import load_manifest
from lakehouse_bi.spec.model_quality import project_models

# ref('name'), ref("name"), ref('package', 'name'), with optional version/keyword args after.
_REF = re.compile(r"""\bref\(\s*['"]([\w.]+)['"]\s*(?:,\s*['"]([\w.]+)['"])?""")
_SOURCE = re.compile(r"""\bsource\(\s*['"](\w+)['"]\s*,\s*['"](\w+)['"]\s*\)""")


def visible_parents(raw_code: str) -> tuple[set[str], set[tuple[str, str]]]:
    """The model names and (source, table) pairs a model's raw code names.

    Args:
        raw_code: the model file's text (Jinja SQL).

    Returns:
        (ref names, source pairs). `ref('pkg', 'name')` counts as `name`.
    """
    refs = {second or first for first, second in _REF.findall(raw_code)}
    return refs, set(_SOURCE.findall(raw_code))


def hidden_parents(manifest: dict[str, Any]) -> list[str]:
    """Problems, one per parent a project model depends on without naming it in its file.

    Args:
        manifest: a dbt manifest (dict, as in target/manifest.json).

    Returns:
        Human-readable problems naming the model file, the parent and the line to add;
        empty when every dependency is visible. Models of installed packages are not checked.
    """
    nodes, sources = manifest["nodes"], manifest["sources"]
    problems = []
    for node in sorted(project_models(manifest), key=lambda n: n["original_file_path"]):
        refs, source_pairs = visible_parents(node["raw_code"])
        for parent_id in node["depends_on"]["nodes"]:
            if parent_id in sources:
                parent = sources[parent_id]
                if (parent["source_name"], parent["name"]) in source_pairs:
                    continue
                call = f"source('{parent['source_name']}', '{parent['name']}')"
            else:
                name = nodes[parent_id]["name"]
                if name in refs:
                    continue
                call = f"ref('{name}')"
            problems.append(
                f"{node['original_file_path']}: depends on {call} without naming it; call it "
                f"in the model or add the line `-- depends_on: {{{{ {call} }}}}`"
            )
    return problems


def spec_problems(project_dir: Path) -> list[str]:
    """`lakehouse-bi validate` check: `hidden_parents` of the project's manifest (dbt parse,
    prod target). Raises ConfigError when dbt cannot parse the project."""
    return hidden_parents(load_manifest(project_dir))
