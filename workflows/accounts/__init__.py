"""Accounts: who may log in, with what password, and which of their sessions are still valid.

- `changes`: adding users, setting passwords, disabling and enabling (the CLI, `jiefen users`);
- `admin`: accounts as administrators keep them (`/api/v1/users`, 用户管理): a password they set must be
  changed by its user;
- `login`: a login around its password check, with the throttle (`throttle`) before it;
- `sessions`: revoking one token (logout).
"""

from workflows.accounts.changes import (
    add_user,
    check_new_password,
    check_password,
    disable_user,
    enable_user,
    reset_password,
    store_password_hash,
    unlock_user,
)
from workflows.accounts.login import LoginAttempt, begin_login, finish_login
from workflows.accounts.sessions import revoke_token

__all__ = [
    "LoginAttempt",
    "add_user",
    "begin_login",
    "check_new_password",
    "check_password",
    "disable_user",
    "enable_user",
    "finish_login",
    "reset_password",
    "revoke_token",
    "store_password_hash",
    "unlock_user",
]
