"""Accounts as an administrator keeps them (`/api/v1/users` and the 用户管理 screens): create, change role,
organization, mediator link and display name, disable and enable, reset the password.

A password an administrator gives (a new account's, a reset) is one the user must change at their next
login (`must_change_password`). Resetting and disabling end every session of the user (the token epoch).
Every change is written to the administrative change log in the same transaction (workflows/changelog.py).
A refusal names the field: 422 for a value that does not fit, 409 for a username already taken.
"""

from typing import Any

from sqlmodel import Session, select

from models.admin_schemas import UserCreate, UserPatch, UserPublic
from models.db import write_transaction
from models.security import hash_password
from models.settings import Settings
from models.tables import Mediator, Organization, User
from states.enums import OrgKind, Role
from workflows import changelog
from workflows.access import Actor
from workflows.accounts.changes import check_password
from workflows.accounts.throttle import forget_user
from workflows.errors import Conflict, Forbidden, PayloadInvalid, UnknownAccount
from workflows.read.users import all_users, user_named

ENTITY = "user"


def require_admin(actor: Actor, what: str = "管理账号") -> None:
    if actor.role is not Role.ADMIN:
        raise Forbidden(f"只有系统管理员可以{what}")


def public(user: User) -> UserPublic:
    return UserPublic(
        username=user.username,
        role=user.role,
        org=user.org_code,
        mediator=user.mediator_code,
        display_name=user.display_name,
        active=user.is_active,
        must_change_password=user.must_change_password,
        created_at=user.created_at,
    )


def _snapshot(user: User) -> dict[str, Any]:
    """What the change log records of an account (never its password)."""
    return {
        "role": user.role,
        "org": user.org_code,
        "mediator": user.mediator_code,
        "display_name": user.display_name,
        "active": user.is_active,
    }


def _check_links(session: Session, *, role: str, org: str | None, mediator: str | None) -> None:
    """The organization and mediator an account of this role names exist and fit (the seed file's rules)."""
    if role != Role.ADMIN and not org:
        raise PayloadInvalid("org", "org：除系统管理员外，每个账号都须属于一个组织机构")
    organization = None
    if org:
        organization = session.exec(select(Organization).where(Organization.code == org)).first()
        if organization is None:
            raise PayloadInvalid("org", f"org：组织机构 {org} 不存在")
    if role == Role.COURT and organization is not None and organization.kind != OrgKind.COURT:
        raise PayloadInvalid("org", f"org：法院账号须属于人民法院，{organization.name} 不是法院")
    if role == Role.MEDIATOR and not mediator:
        raise PayloadInvalid("mediator", "mediator：调解员账号须关联调解员（如 M-0001）")
    if role != Role.MEDIATOR and mediator:
        raise PayloadInvalid("mediator", f"mediator：只有调解员账号可以关联调解员，本账号角色为 {role}")
    if mediator:
        m = session.exec(select(Mediator).where(Mediator.code == mediator)).first()
        if m is None:
            raise PayloadInvalid("mediator", f"mediator：调解员 {mediator} 不存在")
        if m.org_code != org:
            raise PayloadInvalid("mediator", f"mediator：调解员 {m.name}（{mediator}）属于 {m.org_code}，不属于 {org}")
        if not m.active:
            raise PayloadInvalid("mediator", f"mediator：调解员 {m.name}（{mediator}）已退出，不能关联新账号")


def list_users(session: Session, *, actor: Actor) -> list[User]:
    require_admin(actor)
    return all_users(session)


def get_user(session: Session, *, actor: Actor, username: str) -> User:
    require_admin(actor)
    user = user_named(session, username)
    if user is None:
        raise UnknownAccount(f"用户 {username[:64]} 不存在")
    return user


def create_user(session: Session, *, actor: Actor, data: UserCreate, settings: Settings) -> User:
    require_admin(actor)
    if any(c.isspace() for c in data.username):
        raise PayloadInvalid("username", "username：用户名不能含有空格")
    check_password(data.password, username=data.username, settings=settings)
    password_hash = hash_password(data.password)  # before the write lock is taken: Argon2 takes a while
    with write_transaction(session):
        if user_named(session, data.username) is not None:
            raise Conflict(f"用户名 {data.username} 已存在", field="username")
        _check_links(session, role=data.role, org=data.org, mediator=data.mediator)
        user = User(
            username=data.username,
            password_hash=password_hash,
            role=data.role.value,
            org_code=data.org,
            mediator_code=data.mediator,
            display_name=data.display_name,
            is_active=data.active,
            must_change_password=True,
        )
        session.add(user)
        changelog.record(
            session, actor=actor.name, entity=ENTITY, key=user.username, action="create", after=_snapshot(user)
        )
    return user


def patch_user(session: Session, *, actor: Actor, username: str, data: UserPatch, settings: Settings) -> User:
    """Change what is given. A password is a reset (sessions end, the user must change it); `active: false`
    ends every session too. An administrator cannot disable their own account or take away their own role."""
    require_admin(actor)
    given = data.model_dump(include=data.model_fields_set)
    for key in ("role", "active", "password"):
        if key in given and given[key] is None:
            raise PayloadInvalid(key, f"{key}：不能为空")
    if username == actor.name and (given.get("active") is False or given.get("role") not in (None, Role.ADMIN)):
        field = "active" if given.get("active") is False else "role"
        raise Conflict("不能停用自己的账号或取消自己的系统管理员角色（请由另一位管理员操作）", field=field)
    password_hash = None
    if "password" in given:
        check_password(data.password or "", username=username, settings=settings)
        password_hash = hash_password(data.password or "")
    with write_transaction(session) as conn:
        user = user_named(session, username)
        if user is None:
            raise UnknownAccount(f"用户 {username[:64]} 不存在")
        before = _snapshot(user)
        role = str(given.get("role", user.role))
        org = given.get("org", user.org_code)
        mediator = given.get("mediator", user.mediator_code)
        if role != Role.MEDIATOR and "mediator" not in given and "role" in given:
            mediator = None  # leaving the mediator role drops the link
        _check_links(session, role=role, org=org, mediator=mediator)
        user.role, user.org_code, user.mediator_code = role, org, mediator
        if "display_name" in given:
            user.display_name = given["display_name"]
        revoke = False
        actions = []
        if "active" in given and given["active"] != user.is_active:
            user.is_active = bool(given["active"])
            actions.append("enable" if user.is_active else "disable")
            revoke = revoke or not user.is_active
        if password_hash is not None:
            user.password_hash = password_hash
            user.must_change_password = True
            actions.append("reset_password")
            revoke = True
        if revoke:
            user.token_epoch += 1
        if password_hash is not None or (user.is_active and "enable" in actions):
            forget_user(conn, username=username)  # a reset or re-enabled account is not locked out
        session.add(user)
        after = _snapshot(user)
        if password_hash is not None:
            before["password"], after["password"] = None, "set"
        if before != after or actions:
            changelog.record(
                session,
                actor=actor.name,
                entity=ENTITY,
                key=username,
                action="+".join(actions) if actions else "update",
                before=before,
                after=after,
            )
    return user


__all__ = ["create_user", "get_user", "list_users", "patch_user", "public", "require_admin"]
