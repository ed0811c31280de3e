"""The audit key: the secret of the keyed hash chain, held in a file outside the database.

The file (JIEFEN_AUDIT_KEY_FILE, default <JIEFEN_KEYS_DIR>/audit.key, mode 0600) holds one key per
line as 64 hex digits; the first is the key new events are made with, the lines after it are retired
keys kept so the events they made still verify (rotate by putting a new key on top). Lines starting
with `#` are comments.

From each key come:
- its id (`kid`), stored with every event it made (case_events.key_id): a digest of the key, not the key;
- HMAC-SHA256, the event hash and the parties' digests recorded at intake;
- an Ed25519 key pair (HKDF from the key), which signs the checkpoints, so that anyone given the public
  key (`jiefen audit public-key`) can check the checkpoint file without being able to write one.

`jiefen keys init` makes the file. Outside production a missing file is made on first use, like the
development signing keys; in production a missing, malformed or world-readable key file is an error,
never a default.
"""

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from models.settings import Settings, get_settings

KEY_BYTES = 32
_KID_LABEL = b"jiefen audit key id\x00"
_SIGNING_LABEL = b"jiefen audit checkpoint ed25519"


class AuditKeyError(RuntimeError):
    """The audit key file is missing (in production), malformed or readable by others."""


@dataclass(frozen=True, slots=True)
class AuditKey:
    kid: str
    secret: bytes = field(repr=False)

    def mac(self, data: bytes) -> str:
        return hmac.new(self.secret, data, hashlib.sha256).hexdigest()

    def signing_key(self) -> Ed25519PrivateKey:
        seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SIGNING_LABEL).derive(self.secret)
        return Ed25519PrivateKey.from_private_bytes(seed)

    def public_key(self) -> Ed25519PublicKey:
        return self.signing_key().public_key()


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@dataclass(frozen=True, slots=True)
class AuditKeys:
    """The current key and every key (current and retired) by id."""

    current: AuditKey
    by_id: dict[str, AuditKey]


def key_of(secret: bytes) -> AuditKey:
    return AuditKey(hashlib.sha256(_KID_LABEL + secret).hexdigest()[:16], secret)


def init_key(path: Path) -> bool:
    """Make a key file at `path` unless one exists (atomically: two processes racing get one key).
    Returns True if it was made."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"# jiefen audit key: keep it outside the database and its backups\n{secrets.token_hex(KEY_BYTES)}\n")
        f.flush()
        os.fsync(f.fileno())
    try:
        os.link(tmp, path)  # fails if another process made it first
        return True
    except FileExistsError:
        return False
    finally:
        tmp.unlink()


def read_keys(path: Path, *, strict_mode: bool = False) -> AuditKeys:
    """The keys in `path`. `strict_mode` (production) refuses a file others may read."""
    try:
        st = path.stat()
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise AuditKeyError(
            f"审计密钥文件 {path} 不存在：运行 jiefen keys init，或设置 JIEFEN_AUDIT_KEY_FILE"
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise AuditKeyError(f"无法读取审计密钥文件 {path}（{type(e).__name__}）") from None
    if strict_mode and st.st_mode & 0o077:
        raise AuditKeyError(f"审计密钥文件 {path} 的权限过宽（{oct(st.st_mode & 0o777)}）：应为 0600")
    keys: list[AuditKey] = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            secret = bytes.fromhex(line)
        except ValueError:
            secret = b""
        if len(secret) != KEY_BYTES:
            raise AuditKeyError(f"审计密钥文件 {path} 第 {number} 行不是 {KEY_BYTES * 2} 位十六进制密钥")
        keys.append(key_of(secret))
    if not keys:
        raise AuditKeyError(f"审计密钥文件 {path} 中没有密钥")
    return AuditKeys(keys[0], {k.kid: k for k in keys})


@lru_cache(maxsize=8)
def _load(path: str, production: bool) -> AuditKeys:
    p = Path(path)
    if not production:
        init_key(p)  # development and tests: made on first use
    return read_keys(p, strict_mode=production)


_last: tuple[Settings, AuditKeys] | None = None  # the settings asked last and their keys: every event asks


def load_keys(settings: Settings | None = None) -> AuditKeys:
    """The configured audit keys (read once per process: restart after rotating the key file)."""
    global _last
    settings = settings or get_settings()
    last = _last
    if last is not None and last[0] is settings:
        return last[1]
    keys = _load(str(settings.audit_key_path), settings.env == "production")
    _last = (settings, keys)
    return keys


def clear_cache() -> None:
    global _last
    _last = None
    _load.cache_clear()
