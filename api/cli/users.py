"""`jiefen users`: accounts without a seed file — add, set a password, disable, enable, unlock, list.

Passwords are never taken as arguments (they would show in `ps` and the shell's history): they are asked
for, hidden and twice, or read as one line from standard input with --password-stdin. Setting a password
and disabling a user end all of its sessions at once.
"""

import sys
from collections.abc import Callable
from typing import Annotated

import typer

from api.cli.common import open_session
from models.settings import get_settings

app = typer.Typer(help="账号管理（无需种子文件）", no_args_is_help=True)

PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="read the password as one line from standard input")
]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


def _refused(e: Exception) -> typer.Exit:
    """Print why the change was refused; exit 1 for an unknown user, 2 for anything else refused."""
    from workflows.errors import PayloadInvalid, UnknownAccount

    message = f"{e.loc[-1]}: {e.msg}" if isinstance(e, PayloadInvalid) else str(e)
    typer.echo(f"users: {message}", err=True)
    return typer.Exit(1 if isinstance(e, UnknownAccount) else 2)


def _operator() -> str:
    """Who the change log names for a change made here: the operating-system user at the console."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"[:64]
    except (OSError, KeyError):
        return "cli"


def _apply(change: Callable[..., object], done: str, **arguments: object) -> None:
    """Run one account change of workflows.accounts on a session; print `done`, or why it was refused."""
    from workflows.errors import JiefenError

    with open_session() as session:
        try:
            change(session, **arguments, actor=_operator())
        except JiefenError as e:
            raise _refused(e) from None
    typer.echo(f"users: {done}")


@app.command("add")
def add(
    username: str,
    role: Annotated[str, typer.Option(help="intake | mediator | court | supervisor | admin")],
    org: Annotated[str | None, typer.Option(help="the user's organization code (all roles but admin)")] = None,
    mediator: Annotated[str | None, typer.Option(help="the mediator's code (mediator users)")] = None,
    display_name: Annotated[str | None, typer.Option(help="the name shown on screens")] = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Add an active user (the username must be new)."""
    from workflows.accounts import add_user

    password = _password(password_stdin)
    _apply(
        add_user,
        f"added {username} ({role})",
        username=username,
        password=password,
        role=role,
        org=org,
        mediator=mediator,
        display_name=display_name,
        settings=get_settings(),
    )


@app.command("passwd")
def passwd(username: str, password_stdin: PasswordStdin = False) -> None:
    """Set a user's password; every session of the user ends."""
    from workflows.accounts import reset_password

    password = _password(password_stdin)
    _apply(
        reset_password,
        f"password of {username} set; its sessions have ended",
        username=username,
        password=password,
        settings=get_settings(),
    )


@app.command("disable")
def disable(username: str) -> None:
    """Disable a user: it can no longer log in, and every session it holds ends."""
    from workflows.accounts import disable_user

    _apply(disable_user, f"{username} disabled; its sessions have ended", username=username)


@app.command("enable")
def enable(username: str) -> None:
    """Enable a disabled user again (it logs in afresh: its old sessions stay ended)."""
    from workflows.accounts import enable_user

    _apply(enable_user, f"{username} enabled", username=username)


@app.command("unlock")
def unlock(username: str) -> None:
    """Forget a user's failed logins: a username locked out by wrong passwords may log in again at once."""
    from workflows.accounts import unlock_user

    _apply(unlock_user, f"{username} unlocked", username=username)


@app.command("list")
def list_users() -> None:
    """Every account: username, role, organization, mediator, active or disabled, name (never a password)."""
    from workflows.read.users import all_users

    with open_session() as session:
        users = all_users(session)
    for u in users:
        state = "active" if u.is_active else "disabled"
        fields = [u.username, u.role, u.org_code or "-", u.mediator_code or "-", state, u.display_name or ""]
        typer.echo("\t".join(fields).rstrip())
