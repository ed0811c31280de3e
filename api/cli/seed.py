"""`jiefen seed`: the organizations, mediators, users and courts a centre starts from."""

from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import open_session


def seed(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]) -> None:
    """Load organizations, mediators, users and courts from a YAML file (idempotent)."""
    from models.seed.loader import SeedError, load_seed_file
    from workflows.outbox.webhook_address import configured_refusal

    with open_session() as session:
        try:
            report = load_seed_file(session, file, webhook_refusal=configured_refusal)
        except SeedError as e:
            typer.echo(f"seed: {e}", err=True)
            raise typer.Exit(2) from None
    typer.echo(f"seed: {file}: {report}")
