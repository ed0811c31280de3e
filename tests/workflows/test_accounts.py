"""The account workflows (workflows/accounts/changes.py) that `jiefen users` and the admin API call: a
user is checked by the seed file's rules; setting a password and disabling end the user's sessions."""

import uuid

import pytest
from sqlmodel import Session, select

from models.security import verify_password
from models.settings import get_settings
from models.tables import User
from workflows.accounts import add_user, disable_user, enable_user, reset_password, unlock_user
from workflows.errors import Conflict, PayloadInvalid, UnknownAccount

SETTINGS = get_settings()
PRODUCTION = SETTINGS.model_copy(update={"env": "production"})


def _name() -> str:
    return f"t-{uuid.uuid4().hex[:8]}"


def _user(session: Session, username: str) -> User:
    session.expire_all()
    return session.exec(select(User).where(User.username == username)).one()


def test_add_user_makes_an_active_account_the_seed_could_have_made(session):
    username = _name()

    add_user(
        session,
        username=username,
        password="a-long-enough-password",
        role="mediator",
        org="CN-ZJ-XH-CC-RTW",
        mediator="M-0001",
        display_name="王丽",
        settings=SETTINGS,
    )

    user = _user(session, username)
    assert (user.role, user.org_code, user.mediator_code, user.display_name) == (
        "mediator",
        "CN-ZJ-XH-CC-RTW",
        "M-0001",
        "王丽",
    )
    assert user.is_active and user.token_epoch == 0
    assert verify_password(user.password_hash, "a-long-enough-password")


@pytest.mark.parametrize(
    "fields, rule",
    [
        ({"role": "boss", "org": "CN-ZJ-XH-ZZZX"}, "unknown role"),
        ({"role": "intake"}, "org is required"),
        ({"role": "intake", "org": "CN-NOWHERE"}, "unknown organization"),
        ({"role": "court", "org": "CN-ZJ-XH-ZZZX"}, "a court user's org must be a court"),
        ({"role": "mediator", "org": "CN-ZJ-XH-CC-RTW"}, "must name its mediator"),
        ({"role": "mediator", "org": "CN-ZJ-XH-ZZZX", "mediator": "M-0001"}, "M-0001"),
    ],
    ids=["role", "no-org", "unknown-org", "court-org", "no-mediator", "mediator-elsewhere"],
)
def test_add_user_refuses_what_the_seed_refuses_naming_the_rule(session, fields, rule):
    username = _name()

    with pytest.raises(PayloadInvalid) as refused:
        add_user(session, username=username, password="a-long-enough-password", settings=SETTINGS, **fields)

    assert rule in refused.value.msg and "users[0]" not in refused.value.msg
    assert session.exec(select(User).where(User.username == username)).first() is None


def test_add_user_refuses_a_username_taken(session):
    with pytest.raises(Conflict, match="window1"):
        add_user(
            session,
            username="window1",
            password="whatever-password",
            role="intake",
            org="CN-ZJ-XH-ZZZX",
            settings=SETTINGS,
        )


def test_in_production_add_user_and_reset_refuse_weak_passwords(session):
    username = _name()
    with pytest.raises(PayloadInvalid, match="密码过短"):
        add_user(session, username=username, password="short", role="intake", org="CN-ZJ-XH-ZZZX", settings=PRODUCTION)
    add_user(session, username=username, password="a-perfectly-fine-phrase", role="admin", settings=PRODUCTION)

    with pytest.raises(PayloadInvalid, match="常见"):
        reset_password(session, username=username, password="password12345", settings=PRODUCTION)
    assert verify_password(_user(session, username).password_hash, "a-perfectly-fine-phrase")


def test_reset_disable_and_enable_bump_the_epoch_only_when_sessions_must_end(session):
    username = _name()
    add_user(session, username=username, password="first-password", role="admin", settings=SETTINGS)

    def state() -> tuple[bool, int]:
        user = _user(session, username)
        return user.is_active, user.token_epoch

    reset_password(session, username=username, password="second-password", settings=SETTINGS)
    after_reset = state()
    disable_user(session, username=username)
    after_disable = state()
    enable_user(session, username=username)
    after_enable = state()

    assert verify_password(_user(session, username).password_hash, "second-password")
    assert (after_reset, after_disable, after_enable) == ((True, 1), (False, 2), (True, 2))


@pytest.mark.parametrize("change", [disable_user, enable_user, unlock_user])
def test_changing_an_unknown_user_is_refused(session, change):
    with pytest.raises(UnknownAccount):
        change(session, username="nobody-at-all")


def test_resetting_an_unknown_users_password_is_refused(session):
    with pytest.raises(UnknownAccount):
        reset_password(session, username="nobody-at-all", password="whatever-password", settings=SETTINGS)
