"""The `jiefen` command line (the contract, docs/contract.md §1).

Commands live in one module per concern; they are registered here, in the order `jiefen --help` lists
them."""

import typer

from api.cli import audit, backup, clocks, diagram, documents, flows, routing, seed, server, simulate, users
from models.settings import SettingsError

app = typer.Typer(help="解纷 jiefen — 一站式矛盾纠纷调解中心 工作流引擎", no_args_is_help=True, add_completion=False)

app.command("serve")(server.serve)
app.command("seed")(seed.seed)
app.command("diagram")(diagram.diagram)
app.command("deadline")(clocks.deadline)
app.command("sweep")(clocks.sweep)
app.command("deploy")(flows.deploy)
app.command("worker")(flows.worker)
app.command("doctor")(server.doctor)
app.command("backup")(backup.backup)
app.command("restore")(backup.restore)
app.command("simulate")(simulate.simulate)

app.add_typer(audit.app, name="audit")
app.add_typer(clocks.calendar_app, name="calendar")
app.add_typer(documents.app, name="documents")
app.add_typer(documents.keys_app, name="keys")
app.add_typer(routing.app, name="routing")
app.add_typer(users.app, name="users")


def main() -> None:
    try:
        app()
    except SettingsError as e:  # named variable and rule only, never the value, and no traceback
        typer.echo(f"jiefen: {e}", err=True)
        raise SystemExit(2) from None


__all__ = ["app", "main"]
