"""Every link in README.md and docs/*.md resolves: relative links to an existing file (and,
with a #fragment, to a heading of it), and every doc file named in the text exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
DOC_NAME = re.compile(r"(?<![\w/.-])((?:docs/)?[A-Z][A-Z_]+\.md)\b")


def _anchor(heading: str) -> str:
    """GitHub's heading slug: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(), flags=re.S)
    return {_anchor(h) for h in re.findall(r"^#{1,6}\s+(.+?)\s*$", text, re.M)}


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_relative_links_resolve(doc):
    broken = []
    for target in LINK.findall(doc.read_text()):
        if re.match(r"^[a-z]+:", target):  # http(s), mailto: not checked offline
            continue
        path_part, _, fragment = target.partition("#")
        resolved = (doc.parent / path_part).resolve() if path_part else doc
        if not resolved.exists():
            broken.append(f"{target}: no such file")
        elif fragment and resolved.suffix == ".md" and fragment not in _anchors(resolved):
            broken.append(f"{target}: no heading #{fragment}")
    assert broken == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_doc_files_named_in_the_text_exist(doc):
    missing = []
    for name in set(DOC_NAME.findall(doc.read_text())):
        candidates = [ROOT / name, ROOT / "docs" / name, doc.parent / name]
        if not any(path.is_file() for path in candidates):
            missing.append(name)
    assert sorted(missing) == []


def test_the_checker_catches_a_broken_link(tmp_path):
    (tmp_path / "A.md").write_text("# Title\n\n## Some heading\n")
    assert _anchors(tmp_path / "A.md") == {"title", "some-heading"}
    text = "[ok](A.md#some-heading) [bad](B.md) ![img](x.png)"
    assert LINK.findall(text) == ["A.md#some-heading", "B.md"]
