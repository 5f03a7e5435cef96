"""`lakehouse-bi land`: deliver generated batches into the landing zone, one day at a time.

`lakehouse-bi generate --batches N --output GENERATED` writes every batch at once; `land`
copies batch folders (every entity of a batch) from GENERATED into the landing root the
pipeline reads, in batch order, as a source system would deliver them day by day:

    lakehouse-bi land --from data/generated --to data/landing --next   # the next batch
    lakehouse-bi land --from data/generated --to data/landing --all    # every remaining one
    lakehouse-bi land --from data/generated --to data/landing --batch b0003_20260103

The landing root's `_manifest.json` is the generator's manifest restricted to the landed
batches (and `_changes.jsonl` to their entries): it says what has landed. It is written
after the batch folders, so an interrupted `land` is completed by running it again. Landing
a batch twice is refused unless --force (which copies the same bytes again); batches land in
order; `--all` with nothing left to land does nothing. After landing every batch the landing
root is byte-identical to the generated output.

Both manifests are untrusted input (issue 24): before anything is copied or deleted, every
batch id must match the landing contract (`b0000_20250101`, docs/LANDING.md), every file
`<entity>/batch=<batch_id>/<entity>_<batch_id>[_partNNN].<ext>` (or, re-delivered, an
earlier batch's name), and every path must resolve inside its root (`--from`, `--to`) --
symlinks included. Anything else is a LandError naming the manifest and the value.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import click

from lakehouse_bi.datagen.schema import ENTITIES
from lakehouse_bi.datagen.writer import CHANGES_NAME, MANIFEST_NAME, render_manifest
from lakehouse_bi.errors import ConfigError

TMP_PREFIX = ".land-"
BATCH_ID = re.compile(r"b\d{4}_\d{8}")


class LandError(ConfigError):
    """A batch cannot be landed; the message says why and what to do."""


@dataclass
class LandResult:
    landed: list[str] = field(default_factory=list)  # batch ids landed by this call
    all_batches: list[str] = field(default_factory=list)  # every generated batch, in order
    now_landed: list[str] = field(default_factory=list)  # every batch in the landing root

    @property
    def remaining(self) -> list[str]:
        return [b for b in self.all_batches if b not in set(self.now_landed)]


def _read_manifest(path: Path, what: str) -> dict:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise LandError(
            f"{path.parent} has no {MANIFEST_NAME}",
            f"pass the folder written by `lakehouse-bi generate --output ...` as {what}",
        ) from exc
    except (OSError, ValueError) as exc:
        raise LandError(f"cannot read {path}: {exc}", "regenerate the data") from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("batches"), list):
        raise LandError(f"{path} is not a generator manifest (no batches list)")
    return manifest


def _file_pattern(entity: str) -> re.Pattern[str]:
    ext = "csv" if ENTITIES[entity].file_format == "csv" else "jsonl"  # writer.entity_file
    return re.compile(
        rf"{entity}/batch=(?P<folder>b\d{{4}}_\d{{8}})/{entity}_(?P<batch>b\d{{4}}_\d{{8}})"
        rf"(?:_part\d{{3}})?\.{ext}"
    )


def check_batches(manifest: dict, path: Path) -> None:
    """Every batch of a generator manifest read from `path` against the landing contract
    (module doc): a batch id for each, of the contract's form, once; known entities; every
    file in its entity's folder for this batch, named for this batch (or, re-delivered, for
    an earlier one). Raises LandError naming `path` and the offending value."""
    hint = "regenerate the data (`lakehouse-bi generate ... --force`); do not edit manifests"
    seen: set[str] = set()
    for index, entry in enumerate(manifest["batches"]):
        where = f"{path}: batches[{index}]"
        if not isinstance(entry, dict) or "batch_id" not in entry:
            raise LandError(f"{where} has no batch_id", hint)
        batch_id = entry["batch_id"]
        if not isinstance(batch_id, str) or not BATCH_ID.fullmatch(batch_id):
            raise LandError(
                f"{where}: batch_id {batch_id!r} is not a landing batch id "
                "(b<4 digits>_<YYYYMMDD>, e.g. b0000_20250101; docs/LANDING.md)",
                hint,
            )
        if batch_id in seen:
            raise LandError(f"{where}: batch_id {batch_id} appears twice", hint)
        seen.add(batch_id)
        entities = entry.get("entities", {})
        if not isinstance(entities, dict) or not set(entities) <= set(ENTITIES):
            unknown = sorted(set(entities) - set(ENTITIES)) if isinstance(entities, dict) else []
            raise LandError(f"{where}: unknown entities {unknown or entities!r}", hint)
        if not all(
            isinstance(out, dict) and isinstance(out.get("files"), list)
            for out in entities.values()
        ):
            raise LandError(f"{where}: every entity needs a files list", hint)
        redelivered = entry.get("redelivered", [])
        if not isinstance(redelivered, list) or not all(isinstance(r, dict) for r in redelivered):
            raise LandError(f"{where}: redelivered is not a list of {{entity, file}}", hint)
        named = [(e, f, False) for e, out in entities.items() for f in out["files"]]
        named += [(r.get("entity"), r.get("file"), True) for r in redelivered]
        for entity, name, redelivered in named:
            match = (
                _file_pattern(entity).fullmatch(name)
                if entity in ENTITIES and isinstance(name, str)
                else None
            )
            if (
                match is None
                or match["folder"] != batch_id
                or (match["batch"] >= batch_id if redelivered else match["batch"] != batch_id)
            ):
                kind = "re-delivered file" if redelivered else "file"
                raise LandError(
                    f"{where} ({batch_id}): {kind} {name!r} of entity {entity!r} does not follow "
                    f"the landing layout <entity>/batch={batch_id}/<entity>_<batch_id>"
                    "[_partNNN].<ext> (docs/LANDING.md)",
                    hint,
                )


def _inside(root: Path, relative: str, what: str) -> Path:
    """root / relative, refused (LandError naming `what`) unless it resolves inside root."""
    path = root / relative
    resolved_root = root.resolve()
    if not path.resolve().is_relative_to(resolved_root):
        raise LandError(
            f"{what}: {relative} resolves to {path.resolve()}, outside {resolved_root}",
            "remove the symbolic link or fix the manifest; landing writes only inside --to "
            "and reads only inside --from",
        )
    return path


def check_paths(source: Path, target: Path, entry: dict) -> None:
    """Every path landing `entry` reads or writes resolves inside its root: its files and
    entity folders (and whatever they hold) inside `source`, its destination and staging
    folders inside `target`. Raises LandError before anything is copied or deleted."""
    batch_id = entry["batch_id"]
    for name in _batch_files(entry):
        _inside(source, name, f"--from {source}")
    for entity in ENTITIES:
        folder = f"{entity}/batch={batch_id}"
        _inside(source, folder, f"--from {source}")
        _inside(target, folder, f"--to {target}")
        _inside(target, f"{entity}/{TMP_PREFIX}{batch_id}", f"--to {target}")
        for parent, _dirs, files in os.walk(source / folder):
            for name in files:
                relative = (Path(parent) / name).relative_to(source).as_posix()
                _inside(source, relative, f"--from {source}")


def _header(manifest: dict) -> dict:
    return {k: v for k, v in manifest.items() if k != "batches"}


def _landed_state(target: Path, source_manifest: dict) -> list[str]:
    """Batch ids already in the landing root (checked to come from the same generation)."""
    path = target / MANIFEST_NAME
    if not path.exists():
        stray = [
            str(p.relative_to(target))
            for entity in ENTITIES
            for p in sorted((target / entity).glob("batch=*"))
        ]
        if stray:
            raise LandError(
                f"{target} already holds landing files not landed by `lakehouse-bi land` "
                f"(no {MANIFEST_NAME}; e.g. {stray[0]})",
                "land into an empty directory, or remove the entity folders first",
            )
        return []
    manifest = _read_manifest(path, "--to")
    check_batches(manifest, path)
    if _header(manifest) != _header(source_manifest):
        raise LandError(
            f"{target} holds batches of another generator run (scenario, seed, dates or "
            "settings differ from --from)",
            "land into an empty directory, or empty this one first",
        )
    generated = [b["batch_id"] for b in source_manifest["batches"]]
    landed = [b["batch_id"] for b in manifest["batches"]]
    if landed != generated[: len(landed)]:
        raise LandError(
            f"{path} lists batches {landed} that are not the first ones of --from",
            "land into an empty directory",
        )
    return landed


def _batch_files(entry: dict) -> list[str]:
    files = [f for out in entry["entities"].values() for f in out["files"]]
    return files + [r["file"] for r in entry.get("redelivered", [])]


def _copy_batch(source: Path, target: Path, entry: dict) -> int:
    """Copy every entity folder of one batch; returns the number of files copied."""
    batch_id = entry["batch_id"]
    missing = [f for f in _batch_files(entry) if not (source / f).is_file()]
    if missing:
        raise LandError(
            f"generated output {source} is incomplete: {missing[0]} is missing",
            "regenerate it with `lakehouse-bi generate ... --force`",
        )
    copied = 0
    for entity in ENTITIES:
        folder = source / entity / f"batch={batch_id}"
        if not folder.is_dir():
            continue
        final = target / entity / f"batch={batch_id}"
        staging = target / entity / f"{TMP_PREFIX}{batch_id}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(folder, staging)
        if final.exists():
            shutil.rmtree(final)
        staging.rename(final)
        copied += sum(1 for p in final.iterdir() if p.is_file())
    return copied


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f"{TMP_PREFIX}{path.name}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _write_landing_manifest(source: Path, target: Path, manifest: dict, landed: set[str]):
    filtered = {**manifest, "batches": [b for b in manifest["batches"] if b["batch_id"] in landed]}
    # Same renderer as the generator: all batches landed == the generated manifest, byte for byte.
    changes = source / CHANGES_NAME
    kept: list[str] = []
    if changes.is_file():
        with changes.open(encoding="utf-8") as fh:
            kept = [line for line in fh if json.loads(line)["batch"] in landed]
    _write_atomic(target / CHANGES_NAME, "".join(kept))
    _write_atomic(target / MANIFEST_NAME, render_manifest(filtered))


def land_batches(
    source: Path,
    target: Path,
    *,
    batch_id: str | None = None,
    next_batch: bool = False,
    all_batches: bool = False,
    force: bool = False,
) -> LandResult:
    """Land one batch (`batch_id`), the next one, or all remaining ones; see module doc."""
    if sum([batch_id is not None, next_batch, all_batches]) != 1:
        raise LandError("choose exactly one of --batch ID, --next or --all")
    source, target = Path(source), Path(target)
    if not source.is_dir():
        raise LandError(f"--from {source} is not a directory", "run `lakehouse-bi generate` first")
    if target.exists() and not target.is_dir():
        raise LandError(f"--to {target} exists and is not a directory")
    if target.resolve() == source.resolve():
        raise LandError("--from and --to are the same directory", "land into another directory")
    manifest = _read_manifest(source / MANIFEST_NAME, "--from")
    check_batches(manifest, source / MANIFEST_NAME)
    entries = {b["batch_id"]: b for b in manifest["batches"]}
    generated = list(entries)
    target.mkdir(parents=True, exist_ok=True)
    landed = _landed_state(target, manifest)

    if batch_id is not None:
        if not BATCH_ID.fullmatch(batch_id):
            raise LandError(
                f"--batch {batch_id!r} is not a landing batch id (b<4 digits>_<YYYYMMDD>)",
                f"choose one of the batches of {source / MANIFEST_NAME}, e.g. {generated[0]}"
                if generated
                else "run `lakehouse-bi generate --batches N` first",
            )
        if batch_id not in entries:
            shown = ", ".join(generated[:3]) + (
                f", ... {generated[-1]}" if len(generated) > 3 else ""
            )
            raise LandError(
                f"batch {batch_id!r} is not in {source / MANIFEST_NAME}",
                f"choose one of its {len(generated)} batches: {shown}",
            )
        if batch_id in landed and not force:
            raise LandError(
                f"batch {batch_id} is already landed in {target}",
                "pass --force to land it again (the same files are copied again)",
            )
        first_missing = generated[len(landed)] if len(landed) < len(generated) else None
        if batch_id not in landed and batch_id != first_missing:
            raise LandError(
                f"batches land in order: {first_missing} is not landed yet",
                f"land {first_missing} first (--next), or --all",
            )
        wanted = [batch_id]
    elif next_batch:
        wanted = generated[len(landed) : len(landed) + 1]
    else:
        wanted = generated if force else generated[len(landed) :]

    for bid in wanted:  # every path of every batch checked before the first copy
        check_paths(source, target, entries[bid])
    result = LandResult(all_batches=generated, now_landed=list(landed))
    for bid in wanted:
        _copy_batch(source, target, entries[bid])
        if bid not in result.now_landed:
            result.now_landed.append(bid)
        _write_landing_manifest(source, target, manifest, set(result.now_landed))
        result.landed.append(bid)
    return result


class _LandFailure(click.ClickException):
    exit_code = 2


@click.command("land")
@click.option(
    "--from",
    "source",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Output of `lakehouse-bi generate` (all batches).",
)
@click.option(
    "--to",
    "target",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/landing"),
    show_default=True,
    help="Landing root the pipeline reads (created if missing).",
)
@click.option("--batch", "batch_id", metavar="ID", help="Land this batch (e.g. b0003_20260103).")
@click.option("--next", "next_batch", is_flag=True, help="Land the next batch not landed yet.")
@click.option("--all", "all_batches", is_flag=True, help="Land every batch not landed yet.")
@click.option("--force", is_flag=True, help="Land again a batch already landed (with --all: all).")
@click.option("--quiet", "-q", is_flag=True, help="No summary.")
def land(
    source: Path,
    target: Path,
    batch_id: str | None,
    next_batch: bool,
    all_batches: bool,
    force: bool,
    quiet: bool,
) -> None:
    """Copy generated batches into the landing zone, in order, one day at a time."""
    if sum([batch_id is not None, next_batch, all_batches]) != 1:
        raise click.UsageError("choose exactly one of --batch ID, --next or --all")
    try:
        result = land_batches(
            source,
            target,
            batch_id=batch_id,
            next_batch=next_batch,
            all_batches=all_batches,
            force=force,
        )
    except LandError as exc:
        raise _LandFailure(str(exc)) from exc
    except OSError as exc:
        raise _LandFailure(f"landing into {target} failed: {exc}") from exc
    if quiet:
        return
    if not result.landed:
        click.echo(f"Nothing to land: all {len(result.all_batches)} batches are in {target}")
        return
    for bid in result.landed:
        click.echo(f"Landed {bid} into {target}")
    remaining = result.remaining
    status = f"next: {remaining[0]}" if remaining else "all landed"
    click.echo(f"{len(result.now_landed)}/{len(result.all_batches)} batches landed; {status}")
