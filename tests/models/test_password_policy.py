"""Which passwords production accepts (models/passwords.py), and the seed loader applying the rule: a weak
seed password fails in production naming the user, never the password; a changed seed password ends the
user's sessions."""

import uuid

import pytest
from sqlmodel import Session, select

from models.passwords import PASSWORD_MAX_LENGTH, password_problem
from models.seed.loader import SeedError, load_seed
from models.settings import get_settings
from models.tables import User

PRODUCTION = get_settings().model_copy(update={"env": "production"})
DEVELOPMENT = get_settings().model_copy(update={"env": "development"})


@pytest.mark.parametrize(
    "password, rule",
    [
        ("Short-1!", "密码过短：至少 12 个字符"),
        ("password1234", "常见"),  # in the common-password list, with a number sequence
        ("qwertyuiop123", "常见"),  # a keyboard walk
        ("aaaaaaaaaaaaaaaa", "常见"),  # a repeat
        ("iloveyou2024!", "常见"),
        ("window1window1", "常见"),  # the username twice
    ],
)
def test_production_refuses_short_and_common_passwords_naming_the_rule(password, rule):
    problem = password_problem(password, settings=PRODUCTION, username="window1")

    assert problem is not None and rule in problem
    assert password not in problem


@pytest.mark.parametrize(
    "password",
    ["jiefen-demo-2026", "湖畔小路-调解-2026", "correct horse battery staple", "correct horse battery staple, " * 3],
)
def test_production_accepts_long_uncommon_passwords(password):
    assert password_problem(password, settings=PRODUCTION, username="window1") is None


def test_the_minimum_length_is_a_setting():
    strict = PRODUCTION.model_copy(update={"password_min_length": 20})

    assert "至少 20 个字符" in (password_problem("jiefen-demo-2026", settings=strict) or "")


@pytest.mark.parametrize("settings", [DEVELOPMENT, get_settings()], ids=["development", "test"])
def test_outside_production_any_non_empty_password_up_to_the_bound_is_accepted(settings):
    assert password_problem("pw", settings=settings) is None
    assert password_problem("password", settings=settings) is None
    assert password_problem("", settings=settings) == "密码不能为空"
    assert "不得超过" in (password_problem("x" * (PASSWORD_MAX_LENGTH + 1), settings=settings) or "")


def _seed_user(username: str, password: str) -> dict:
    return {"users": [{"username": username, "password": password, "role": "intake", "org": "CN-ZJ-XH-ZZZX"}]}


def test_a_seed_with_a_weak_password_fails_in_production_naming_the_user_not_the_password(session: Session):
    username = f"t-{uuid.uuid4().hex[:8]}"

    with pytest.raises(SeedError) as refused:
        load_seed(session, _seed_user(username, "password1234"), settings=PRODUCTION)

    assert username in str(refused.value) and "password refused" in str(refused.value)
    assert "password1234" not in str(refused.value)
    assert session.exec(select(User).where(User.username == username)).first() is None


def test_the_demo_seed_passwords_load_outside_production(session: Session):
    username = f"t-{uuid.uuid4().hex[:8]}"

    assert load_seed(session, _seed_user(username, "pw"), settings=DEVELOPMENT).users.created == 1


def test_a_seed_that_changes_a_password_ends_the_users_sessions(session: Session):
    username = f"t-{uuid.uuid4().hex[:8]}"
    load_seed(session, _seed_user(username, "first-password"))
    before = session.exec(select(User).where(User.username == username)).one().token_epoch

    load_seed(session, _seed_user(username, "first-password"))  # unchanged: the sessions go on
    same = session.exec(select(User.token_epoch).where(User.username == username)).one()
    load_seed(session, _seed_user(username, "second-password"))
    after = session.exec(select(User.token_epoch).where(User.username == username)).one()

    assert same == before and after == before + 1
