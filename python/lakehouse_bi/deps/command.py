"""`lakehouse-bi deps`: install dbt packages (hub or offline cache) and manage the cache."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from lakehouse_bi.deps import cache, install
from lakehouse_bi.errors import PackageError
from lakehouse_bi.logging_setup import timed

logger = logging.getLogger(__name__)


@click.group("deps", invoke_without_command=True)
@click.option(
    "--project-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=".",
    show_default=True,
    help="The dbt project whose package-lock.yml is installed.",
)
@click.option("--force", is_flag=True, help="Reinstall even if dbt_packages matches the lock.")
@click.pass_context
def deps(ctx: click.Context, project_dir: Path, force: bool) -> None:
    """Install the project's and edr's pinned dbt packages (hub first, then the cache)."""
    ctx.obj = {"project_dir": project_dir}
    if ctx.invoked_subcommand is not None:
        return
    for target in (project_dir, install.edr_project_dir()):
        with timed(logger, "dbt packages install", project_dir=str(target)) as fields:
            result = install.install(target, force=force)
            fields.update(source=result.source, packages=len(result.packages))
        names = ", ".join(str(p) for p in result.packages)
        click.echo(f"dbt packages ({result.source}) in {result.project_dir}: {names}")


@deps.command("cache-fill")
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--version", help="Version of a tarball whose name does not carry it.")
@click.pass_context
def cache_fill(ctx: click.Context, sources: tuple[Path, ...], version: str | None) -> None:
    """Fill the offline cache from git repositories or tarballs (hub/GitHub archives).

    Only the versions pinned in package-lock.yml (and edr's internal lock) are extracted.
    """
    wanted = install.all_locked_packages(ctx.obj["project_dir"])
    root = cache.cache_root()
    for source in sources:
        if source.is_dir():
            stored = cache.fill_from_git(source, wanted, root)
        else:
            stored = cache.fill_from_tarball(source, wanted, version, root)
        click.echo(f"{source}: {', '.join(map(str, stored)) or 'no pinned version found'}")
    absent = cache.missing(wanted, root)
    if absent:
        raise PackageError(
            f"Cache {root} still lacks: {', '.join(map(str, absent))}.",
            "Add a git clone or tarball of each of those packages.",
        )
    click.echo(f"Cache {root} holds every pinned package ({len(wanted)}).")


@deps.command("cache-list")
@click.pass_context
def cache_list(ctx: click.Context) -> None:
    """Show which pinned packages the cache holds."""
    root = cache.cache_root()
    for package in install.all_locked_packages(ctx.obj["project_dir"]):
        state = "ok" if cache.is_cached(package, root) else "MISSING"
        click.echo(f"{state:8} {package}  ({cache.cached_path(package, root)})")
