"""Changing accounts: adding a user, setting a password (an operator's reset or one's own change),
disabling and enabling. The CLI (`jiefen users`) and the API call these.

Administrators on the web and the API use workflows/accounts/admin.py, which also makes the user change a
password it sets. Each change here is written to the administrative change log (workflows/changelog.py)
under `actor` (the CLI passes "cli:<operating-system user>").

A user is checked by the seed file's rules (models/seed/check.py: role vocabulary, organization and
mediator references), so an account made here is one the seed could have made. Setting a password
and disabling bump the user's token epoch: every token issued before is refused from then on.
"""

from sqlalchemy import update
from sqlmodel import Session, col, select

from models.db import write_transaction
from models.passwords import password_problem
from models.security import hash_password
from models.seed.check import SeedError, check_references, parse
from models.settings import Settings
from models.tables import Mediator, Organization, User
from workflows import changelog
from workflows.accounts.throttle import forget_user
from workflows.errors import Conflict, PayloadInvalid, UnknownAccount
from workflows.read.users import user_named


def _seed_rule(e: SeedError) -> str:
    """The rule a seed check broke, without the seed file's "users[0] (name): " prefix."""
    text = str(e)
    return text.removeprefix(f"{e.entry}: ") if e.entry else text


def check_password(password: str, *, username: str, settings: Settings, field: str = "password") -> None:
    """Refuse (422, naming the field and the rule) a password this deployment does not accept."""
    problem = password_problem(password, settings=settings, username=username)
    if problem is not None:
        raise PayloadInvalid(field, problem)


def add_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    settings: Settings,
    org: str | None = None,
    mediator: str | None = None,
    display_name: str | None = None,
    actor: str = "cli",
) -> User:
    """Create an active account; the username must be new."""
    entry = {"username": username, "password": password, "role": role, "org": org, "mediator": mediator}
    if display_name is not None:
        entry["display_name"] = display_name
    try:
        plan = parse({"users": [{k: v for k, v in entry.items() if v is not None}]})
    except SeedError as e:
        raise PayloadInvalid("user", _seed_rule(e)) from None
    spec = plan.users[0]
    check_password(password, username=spec.username, settings=settings)
    password_hash = hash_password(password)  # before the write lock is taken: Argon2 takes a while
    with write_transaction(session):
        if user_named(session, spec.username) is not None:
            raise Conflict(f"用户名 {spec.username} 已存在")
        orgs = {o.code: o for o in session.exec(select(Organization)).all()}
        mediators = (
            {m.code: m for m in session.exec(select(Mediator).where(col(Mediator.code) == spec.mediator)).all()}
            if spec.mediator
            else {}
        )
        try:
            check_references(plan, orgs, mediators)
        except SeedError as e:
            raise PayloadInvalid("user", _seed_rule(e)) from None
        user = User(username=spec.username, password_hash=password_hash, **spec.values)
        session.add(user)
        after = {"role": user.role, "org": user.org_code, "mediator": user.mediator_code, "active": True}
        changelog.record(session, actor=actor, entity="user", key=user.username, action="create", after=after)
    return user


def store_password_hash(session: Session, *, username: str, password_hash: str, logged_by: str | None = None) -> None:
    """Set the user's password (already hashed) and end all of its sessions; its failed logins are forgotten.
    A password set here is the user's own (or the operator's at the console): none has to be changed."""
    with write_transaction(session) as conn:
        changed = conn.execute(
            update(User)
            .where(col(User.username) == username)
            .values(password_hash=password_hash, token_epoch=User.token_epoch + 1, must_change_password=False)
        ).rowcount
        if not changed:
            raise UnknownAccount(f"用户 {username} 不存在")
        forget_user(conn, username=username)
        if logged_by is not None:  # an operator's reset (one's own change is not an administrative one)
            changelog.record(
                session,
                actor=logged_by,
                entity="user",
                key=username,
                action="reset_password",
                before={"password": None},
                after={"password": "set"},
            )


def reset_password(session: Session, *, username: str, password: str, settings: Settings, actor: str = "cli") -> None:
    """An operator sets a user's password (e.g. a forgotten one): checked, hashed, every token revoked."""
    if user_named(session, username) is None:
        raise UnknownAccount(f"用户 {username} 不存在")
    check_password(password, username=username, settings=settings)
    store_password_hash(session, username=username, password_hash=hash_password(password), logged_by=actor)


def check_new_password(*, username: str, old_password: str, new_password: str, settings: Settings) -> None:
    """One's own new password: accepted by the policy, and not the old one again."""
    if new_password == old_password:
        raise PayloadInvalid("new_password", "新密码不能与原密码相同")
    check_password(new_password, username=username, settings=settings, field="new_password")


def _set_active(session: Session, *, username: str, active: bool, actor: str) -> None:
    values: dict[str, object] = {"is_active": active}
    if not active:
        values["token_epoch"] = User.token_epoch + 1
    with write_transaction(session) as conn:
        if not conn.execute(update(User).where(col(User.username) == username).values(**values)).rowcount:
            raise UnknownAccount(f"用户 {username} 不存在")
        if active:
            forget_user(conn, username=username)
        changelog.record(
            session,
            actor=actor,
            entity="user",
            key=username,
            action="enable" if active else "disable",
            before={"active": not active},
            after={"active": active},
        )


def disable_user(session: Session, *, username: str, actor: str = "cli") -> None:
    """The user can no longer log in, and every token it holds is refused from now on."""
    _set_active(session, username=username, active=False, actor=actor)


def enable_user(session: Session, *, username: str, actor: str = "cli") -> None:
    """The user can log in again (with fresh logins: tokens revoked by the disabling stay revoked)."""
    _set_active(session, username=username, active=True, actor=actor)


def unlock_user(session: Session, *, username: str, actor: str = "cli") -> None:
    """Forget the user's failed logins, ending a lockout (someone who knows a username can keep it locked
    out by failing on purpose; the operator lets the real user in)."""
    with write_transaction(session) as conn:
        if user_named(session, username) is None:
            raise UnknownAccount(f"用户 {username} 不存在")
        forget_user(conn, username=username)
        changelog.record(session, actor=actor, entity="user", key=username, action="unlock")
