"""Backups that restore: `jiefen backup PATH` and `jiefen restore PATH` (docs/audit.md, "Backups").

- SQLite: the online backup API (sqlite3.Connection.backup, all pages in one step), a consistent copy
  of the database as of one moment however many writers are busy; the copy is checked
  (PRAGMA integrity_check) before it takes its name. Restore copies it back with the same API.
- PostgreSQL: `pg_dump --format=custom` (one consistent snapshot) and `pg_restore` in one transaction.
  Both need the client tools of the server's major version on PATH; the URL is the SQLAlchemy one with
  its driver dropped, the password passed in PGPASSWORD (never on a command line others can read).

A restore goes only into an empty database unless `force`. What is not in a backup, on purpose: the
audit key (a backup holding it could forge the history it is meant to restore) and the checkpoint file
(kept apart, so restoring an old backup never rolls the anchors back with it: `jiefen audit verify`
then names what the restore lost).
"""

import hashlib
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"


class BackupError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class Backup:
    path: Path
    kind: str  # sqlite | postgresql
    size: int
    sha256: str


def kind_of_url(url: str) -> str:
    backend = sa.engine.make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"不支持的数据库：{backend}")
    return backend


def kind_of_file(path: Path) -> str:
    with path.open("rb") as f:
        head = f.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_CUSTOM_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} 不是 jiefen 备份（SQLite 数据库文件或 pg_dump 自定义格式）")


def backup(url: str, dest: Path, *, force: bool = False) -> Backup:
    """Write a backup of the database at `url` to `dest` (refused if `dest` exists, unless `force`)."""
    kind = kind_of_url(url)
    if dest.exists() and not force:
        raise BackupError(f"{dest} 已存在：换一个文件名，或加 --force 覆盖")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if kind == "sqlite":
            _sqlite_copy(_sqlite_file(url, must_exist=True), partial, check=True)
        else:
            conninfo, env = libpq(url)
            _run(
                [_tool("pg_dump"), "--format=custom", "--no-password", f"--file={partial}", f"--dbname={conninfo}"], env
            )
        with partial.open("rb") as f:
            os.fsync(f.fileno())
        os.replace(partial, dest)
    finally:
        partial.unlink(missing_ok=True)
    digest = hashlib.sha256()
    with dest.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return Backup(dest, kind, dest.stat().st_size, digest.hexdigest())


def restore(url: str, src: Path, *, force: bool = False) -> str:
    """Restore the backup `src` into the (empty, unless `force`) database at `url`. Returns its kind."""
    kind = kind_of_url(url)
    if not src.is_file():
        raise BackupError(f"备份文件 {src} 不存在")
    if kind_of_file(src) != kind:
        raise BackupError(f"{src} 是 {kind_of_file(src)} 备份，不能恢复到 {kind} 数据库")
    tables = table_count(url)
    if tables and not force:
        raise BackupError(f"目标数据库不是空的（已有 {tables} 张表）：恢复只写入新建的空数据库；确需覆盖时加 --force")
    if kind == "sqlite":
        _sqlite_copy(src, _sqlite_file(url, must_exist=False), check=False)
        return kind
    conninfo, env = libpq(url)
    args = [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    if force:
        args += ["--clean", "--if-exists"]
    _run([*args, "--no-password", f"--dbname={conninfo}", str(src)], env)
    return kind


def table_count(url: str) -> int:
    if kind_of_url(url) == "sqlite":
        path = _sqlite_file(url, must_exist=False)
        if not path.exists():
            return 0
        with closing(sqlite3.connect(path, timeout=30)) as conn:
            return int(conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0])
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return int(
                conn.exec_driver_sql(
                    "SELECT count(*) FROM information_schema.tables "
                    "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
                ).scalar_one()
            )
    finally:
        engine.dispose()


def libpq(url: str) -> tuple[str, dict[str, str]]:
    """The libpq connection URI of a SQLAlchemy PostgreSQL URL, without its password, and the
    environment that carries the password (PGPASSWORD)."""
    u = sa.engine.make_url(url)
    env = {k: v for k, v in os.environ.items() if k != "PGPASSWORD"}
    if u.password is not None:
        env["PGPASSWORD"] = str(u.password)
    bare = sa.engine.URL.create(
        "postgresql", username=u.username, host=u.host, port=u.port, database=u.database, query=u.query
    )
    return bare.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"找不到 {name}：安装与 PostgreSQL 服务器主版本相同的客户端工具（如 postgresql-client-15）并放入 PATH"
        )
    return found


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{Path(args[0]).name} 失败（退出码 {done.returncode}）：{' / '.join(detail[-3:])}")


def _sqlite_file(url: str, *, must_exist: bool) -> Path:
    database = sa.engine.make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("只能备份或恢复 SQLite 数据库文件（不是内存数据库）")
    path = Path(database)
    if must_exist and not path.is_file():
        raise BackupError(f"数据库文件 {path} 不存在")
    return path


def _sqlite_copy(src: Path, dest: Path, *, check: bool) -> None:
    """Every page of `src` into `dest` in one step of the online backup API: a snapshot of one moment."""
    with closing(sqlite3.connect(src, timeout=30)) as source, closing(sqlite3.connect(dest, timeout=30)) as target:
        source.backup(target)
        if check:
            result = target.execute("PRAGMA integrity_check").fetchone()[0]
            if result != "ok":
                raise BackupError(f"备份副本未通过完整性检查：{result}")
