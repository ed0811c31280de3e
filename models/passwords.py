"""Which passwords an account may be given: in production, long enough and not common.

The common-password check is zxcvbn's (Dropbox's estimator, maintained for Python as `zxcvbn`): it scores a
password 0-4 from the guesses an attacker with its lists would need — 30,000 common passwords, English
words, names, keyboard walks, dates, sequences and repeats, and the account's own username. It knows no
pinyin names or Chinese words: a password built from those is not caught by this rule.

Development and test accept any non-empty password (the demo seed's are public), so that a developer
can run the demo; only the upper bound applies there too.
"""

import threading

from zxcvbn import zxcvbn

from models.settings import Settings

# An upper bound on what is hashed and scored (no one types more; a megabyte "password" is an attack).
PASSWORD_MAX_LENGTH = 256
# zxcvbn refuses longer input; a longer password is scored on its first 72 characters.
_SCORED_LENGTH = 72
# zxcvbn keeps the user's own words in a module-level table while it scores: one check at a time.
_SCORING = threading.Lock()


def password_problem(password: str, *, settings: Settings, username: str | None = None) -> str | None:
    """Why this password may not be set (a sentence naming the rule, in Chinese), or None if it may."""
    if not password:
        return "密码不能为空"
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"密码过长：不得超过 {PASSWORD_MAX_LENGTH} 个字符"
    if settings.env != "production":
        return None
    if len(password) < settings.password_min_length:
        return f"密码过短：至少 {settings.password_min_length} 个字符"
    if password_score(password, username=username) < settings.password_min_score:
        return "密码过于常见或容易猜到（常用密码、常见单词、键盘顺序、日期、重复字符或用户名），请换一个"
    return None


def password_score(password: str, *, username: str | None = None) -> int:
    """zxcvbn's score, 0 (among the most common) to 4 (very hard to guess)."""
    with _SCORING:
        result = zxcvbn(password[:_SCORED_LENGTH], user_inputs=[username] if username else [])
    return int(result["score"])
