"""`lakehouse-bi land` treats both manifests as untrusted (issue 24): a batch id or file name
off the landing contract, or a path resolving outside --from / --to, is a clear error (exit 2,
naming the manifest and value) and nothing is copied or deleted."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from lakehouse_bi.cli import main
from lakehouse_bi.errors import ConfigError

B0, B1 = "b0000_20250101", "b0001_20250102"


def _batch(batch_id: str, redelivered: list[dict] | None = None) -> dict:
    customers = f"customers/batch={batch_id}/customers_{batch_id}.csv"
    orders = f"orders/batch={batch_id}/orders_{batch_id}_part000.jsonl"
    return {
        "batch_id": batch_id,
        "entities": {
            "customers": {"rows": 1, "files": [customers]},
            "orders": {"rows": 1, "files": [orders]},
        },
        "redelivered": redelivered or [],
    }


def _write_source(root: Path, batches: list[dict]) -> Path:
    root.mkdir(parents=True)
    for entry in batches:
        files = [f for out in entry.get("entities", {}).values() for f in out.get("files", [])]
        for name in files + [r["file"] for r in entry.get("redelivered", [])]:
            path = root / name
            if path.resolve().is_relative_to(root.resolve()):
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("x\n")
    (root / "_manifest.json").write_text(json.dumps({"generator": "t", "batches": batches}))
    return root


def _snapshot(*roots: Path) -> dict[str, bytes | None]:
    return {
        str(p): (p.read_bytes() if p.is_file() else None)
        for root in roots
        if root.exists()
        for p in sorted(root.rglob("*"))
    }


def _land(source: Path, target: Path, *args: str):
    return CliRunner().invoke(main, ["land", "--from", str(source), "--to", str(target), *args])


def test_a_clean_manifest_lands_and_redelivered_earlier_names_pass(tmp_path):
    redelivered = [{"entity": "orders", "file": f"orders/batch={B1}/orders_{B0}.jsonl"}]
    source = _write_source(tmp_path / "gen", [_batch(B0), _batch(B1, redelivered)])
    result = _land(source, tmp_path / "landing", "--all")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "landing" / redelivered[0]["file"]).is_file()


BAD_BATCH_IDS = ["x/../../../victim", "../victim", "b0000_20250101/..", "b0000_2025010", "", 7]


@pytest.mark.parametrize("batch_id", BAD_BATCH_IDS)
def test_a_crafted_batch_id_is_refused_and_nothing_changes(tmp_path, batch_id):
    victim = tmp_path / "victim"
    (victim / "keep").mkdir(parents=True)
    (victim / "keep" / "data.txt").write_text("precious")
    entry = _batch(B0)
    entry["batch_id"] = batch_id
    source = _write_source(tmp_path / "gen", [entry])
    target = tmp_path / "landing"
    before = _snapshot(tmp_path)
    for _ in range(2):  # the reported attack deleted a folder on its second run
        result = _land(source, target, "--all")
        assert result.exit_code == ConfigError.exit_code, result.output
        assert "batch_id" in result.output and "_manifest.json" in result.output
    assert _snapshot(tmp_path) == {**before, **_snapshot(target)}
    assert not any(p.is_file() for p in target.rglob("*")) if target.exists() else True
    assert (victim / "keep" / "data.txt").read_text() == "precious"


@pytest.mark.parametrize(
    "name",
    [
        "orders/batch=b0000_20250101/../../../victim/keep/data.txt",
        "../victim/keep/data.txt",
        "/etc/passwd",
        "orders/batch=b0000_20250101/orders_b0000_20250101.csv",  # wrong extension
        "orders/batch=b0001_20250102/orders_b0001_20250102.jsonl",  # another batch's folder
        "customers/batch=b0000_20250101/orders_b0000_20250101.jsonl",  # another entity
        "orders/batch=b0000_20250101/orders_b0000_20250101.jsonl\n",
    ],
)
def test_a_crafted_file_name_is_refused(tmp_path, name):
    entry = _batch(B0)
    entry["entities"]["orders"]["files"] = [name]
    source = _write_source(tmp_path / "gen", [entry])
    result = _land(source, tmp_path / "landing", "--next")
    assert result.exit_code == ConfigError.exit_code, result.output
    assert "does not follow the landing layout" in result.output
    assert not (tmp_path / "landing").exists() or not any((tmp_path / "landing").rglob("*.*"))


def test_a_redelivered_file_must_carry_an_earlier_batch_name(tmp_path):
    later = [{"entity": "orders", "file": f"orders/batch={B0}/orders_{B1}.jsonl"}]
    source = _write_source(tmp_path / "gen", [_batch(B0, later)])
    result = _land(source, tmp_path / "landing", "--next")
    assert result.exit_code == ConfigError.exit_code
    assert "re-delivered file" in result.output


def test_a_batch_without_batch_id_is_a_clear_error(tmp_path):
    entry = _batch(B0)
    del entry["batch_id"]
    source = _write_source(tmp_path / "gen", [entry])
    result = _land(source, tmp_path / "landing", "--next")
    assert result.exit_code == ConfigError.exit_code
    assert "batches[0] has no batch_id" in result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, KeyError)


def test_a_crafted_batch_argument_is_refused(tmp_path):
    source = _write_source(tmp_path / "gen", [_batch(B0)])
    result = _land(source, tmp_path / "landing", "--batch", "../../victim")
    assert result.exit_code == ConfigError.exit_code
    assert "--batch '../../victim' is not a landing batch id" in result.output


def test_a_tampered_landing_manifest_is_refused_and_nothing_deleted(tmp_path):
    source = _write_source(tmp_path / "gen", [_batch(B0), _batch(B1)])
    target = tmp_path / "landing"
    assert _land(source, target, "--next").exit_code == 0
    landed = json.loads((target / "_manifest.json").read_text())
    landed["batches"][0]["batch_id"] = "x/../../../victim"
    (target / "_manifest.json").write_text(json.dumps(landed))
    before = _snapshot(tmp_path)
    result = _land(source, target, "--next")
    assert result.exit_code == ConfigError.exit_code
    assert str(target / "_manifest.json") in result.output
    assert _snapshot(tmp_path) == before


def test_symlinks_out_of_either_root_are_refused_before_any_copy(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    source = _write_source(tmp_path / "gen", [_batch(B0), _batch(B1)])
    # B1's orders folder holds a link to a file outside --from: --all must copy nothing.
    os.symlink(outside / "secret.txt", source / f"orders/batch={B1}/link.jsonl")
    target = tmp_path / "landing"
    result = _land(source, target, "--all")
    assert result.exit_code == ConfigError.exit_code, result.output
    assert "outside" in result.output and "--from" in result.output
    assert not (target / "_manifest.json").exists()
    assert not any(p.is_file() for p in target.rglob("*"))

    # The destination entity folder is a link out of --to: refused, the outside untouched.
    (source / f"orders/batch={B1}/link.jsonl").unlink()
    target.mkdir(exist_ok=True)
    os.symlink(outside, target / "customers")
    result = _land(source, target, "--next")
    assert result.exit_code == ConfigError.exit_code, result.output
    assert "--to" in result.output
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
