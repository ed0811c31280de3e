"""`jiefen routing`: check a routing rules file, and replay the existing cases against one."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from api.cli.common import open_session

if TYPE_CHECKING:
    from workflows.routing.rules import RuleSet

app = typer.Typer(help="分流规则", no_args_is_help=True)


def _rules_or_exit(file: Path) -> "RuleSet":
    from workflows.routing.rules import RulesError, load_rules_file

    try:
        return load_rules_file(file)
    except RulesError as e:
        typer.echo(f"routing: {e}", err=True)
        raise typer.Exit(2) from None


@app.command("check")
def routing_check(file: Annotated[Path, typer.Argument(dir_okay=False)]) -> None:
    """Check a routing rules file; exit 2 naming the line and the reason when it is bad."""
    rules = _rules_or_exit(file)
    typer.echo(f"routing: {file}: {rules.label}, {len(rules.rules)} rules, ok")


@app.command("replay")
def routing_replay(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="the rules file to try")],
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per case")] = False,
    only_changes: Annotated[bool, typer.Option("--changes", help="list only the cases sent elsewhere")] = False,
) -> None:
    """Show where RULES.yaml would send each existing case and how that differs. Changes nothing."""
    import json

    from workflows.routing.replay import replay

    rules = _rules_or_exit(file)
    counts = {"same": 0, "differs": 0, "not_diverted": 0}
    with open_session() as session:
        if not as_json:
            typer.echo(f"replay {rules.label} ({file}); capacity judged on today's open cases")
            typer.echo(f"{'case_no':<24} {'type':<13} {'state':<22} {'old_rule → old_org':<48} new_rule → new_org")
        for row in replay(session, rules):
            counts[row.outcome] += 1
            if only_changes and row.outcome != "differs":
                continue
            if as_json:
                typer.echo(json.dumps(row.as_dict(), ensure_ascii=False))
                continue
            mark = {"same": " ", "differs": "*", "not_diverted": "+"}[row.outcome]
            old = f"{row.old_rule} → {row.old_org}" if row.old_rule else "（未分流）"
            typer.echo(
                f"{mark}{row.case_no:<23} {row.dispute_type:<13} {row.state:<22} {old:<48} "
                f"{row.new_rule} → {row.new_org or '（无可接收组织）'}"
            )
    summary = (
        f"replay: {sum(counts.values())} cases: {counts['same']} same, {counts['differs']} would go elsewhere, "
        f"{counts['not_diverted']} not diverted yet; nothing was changed"
    )
    typer.echo(summary, err=as_json)
