"""`jiefen backup PATH` and `jiefen restore PATH` (models/backup.py; docs/audit.md, "Backups")."""

from pathlib import Path
from typing import Annotated

import typer

from models.settings import get_settings

NOT_IN_BACKUP = (
    "the audit key and the audit checkpoint file are not in the backup: keep them apart from it "
    "(the key sealed, the checkpoints on append-only storage; docs/audit.md)"
)


def backup(
    path: Annotated[Path, typer.Argument(help="the backup file to write")],
    force: Annotated[bool, typer.Option("--force", help="overwrite PATH if it exists")] = False,
) -> None:
    """Back up JIEFEN_DATABASE_URL while it is in use: SQLite's online backup, or pg_dump (custom format)."""
    from models.backup import BackupError, backup as run

    try:
        done = run(get_settings().database_url, path, force=force)
    except BackupError as e:
        typer.echo(f"backup: {e}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"backup: {done.kind} → {done.path} ({done.size} bytes, sha256 {done.sha256})")
    typer.echo(f"backup: {NOT_IN_BACKUP}")


def restore(
    path: Annotated[Path, typer.Argument(help="a file written by jiefen backup")],
    force: Annotated[bool, typer.Option("--force", help="restore into a database that is not empty")] = False,
) -> None:
    """Restore a backup into the fresh, empty database named by JIEFEN_DATABASE_URL (stop the server first)."""
    from models.backup import BackupError, restore as run

    try:
        kind = run(get_settings().database_url, path, force=force)
    except BackupError as e:
        typer.echo(f"restore: {e}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"restore: {kind} backup {path} restored; now run `jiefen audit verify`")
