"""Shared fixtures: real databases (SQLite and PostgreSQL), the demo seed, deterministic factories.

PostgreSQL runs when JIEFEN_TEST_POSTGRES_URL is set; then its tests must run and fail if the
server is unreachable — they are never skipped. Without the variable (a laptop without
PostgreSQL) the PostgreSQL half is skipped and says so.
"""

import os
import tempfile

os.environ.setdefault("JIEFEN_ENV", "test")
os.environ.setdefault("JIEFEN_SECRET_KEY", "test-secret-key-that-is-long-enough-0123456789")
os.environ.setdefault("JIEFEN_TIMEZONE", "Asia/Shanghai")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# Documents: the API does not render PDFs in the background during tests (tests/documents
# and tests/api/test_documents*.py render on purpose); development signing keys go to a scratch dir.
os.environ.setdefault("JIEFEN_KEYS_DIR", os.path.join(tempfile.mkdtemp(prefix="jiefen-keys-"), "keys"))
# The webhook tests' receivers listen on 127.0.0.1; loopback webhooks count only with JIEFEN_ENV=test, and the
# tests of the address rules turn this off (tests/api/test_webhook_urls.py).
os.environ.setdefault("JIEFEN_WEBHOOK_ALLOW_LOOPBACK", "true")
# The audit checkpoints (docs/audit.md): an empty scratch directory nothing writes to unless a test
# means to (the tests that checkpoint pass a directory of their own), and no scheduled checkpoint.
os.environ.setdefault("JIEFEN_AUDIT_CHECKPOINT_DIR", tempfile.mkdtemp(prefix="jiefen-checkpoints-"))
os.environ.setdefault("JIEFEN_AUDIT_CHECKPOINT_SECONDS", "0")

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.db import is_postgresql, make_engine
from models.migrate import upgrade
from models.settings import get_settings
from workflows.notify.fake_sms import FakeSms

get_settings.cache_clear()

PG_URL = os.environ.get("JIEFEN_TEST_POSTGRES_URL")
DEMO_SEED = Path(__file__).resolve().parent.parent / "models" / "seed" / "demo.yaml"

# Tables holding case data, children first: emptied between tests. Organizations and users stay.
CASE_TABLES = (
    "staff_messages",
    "notifications",
    "court_handoffs",
    "documents",
    "deadlines",
    "case_events",
    "idempotency_keys",
    "one_time_codes",  # the portal's one-time codes (they may name a case)
    "parties",
    "cases",
    "case_counters",
    "audit_checkpoints",
    "login_failures",  # the login throttle: no test is locked out by another's wrong passwords
    "portal_hits",  # the portal's throttles, likewise
)

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _reset_postgres(url: str) -> None:
    eng = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with eng.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    eng.dispose()


@contextmanager
def scratch_postgres(url: str) -> Iterator[str]:
    """A database of this test run's own on the server named by `url`, dropped afterwards, so that
    runs in parallel (and developers' runs beside CI) never share tables."""
    base = sa.engine.make_url(url)
    name = f"{base.database or 'test'}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(base, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _seed(engine: Engine) -> None:
    from models.seed.loader import load_seed_file

    with Session(engine, expire_on_commit=False) as session:
        load_seed_file(session, DEMO_SEED)


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'jiefen-test.db'}"
    upgrade(url)
    engine = make_engine(url)
    _seed(engine)
    yield engine
    engine.dispose()


def require_postgres() -> str:
    """The PostgreSQL server's URL. CI (and .ci/run) always sets it: there a missing one is a failure, never
    a skip; on a machine without PostgreSQL the PostgreSQL half is skipped and says so."""
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("CI is set but JIEFEN_TEST_POSTGRES_URL is not: the PostgreSQL tests must run in CI")
        pytest.skip("JIEFEN_TEST_POSTGRES_URL is not set (a machine without PostgreSQL); CI always sets it")
    return PG_URL


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with scratch_postgres(require_postgres()) as url:
        yield url


@pytest.fixture(scope="session")
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    _seed(engine)
    yield engine
    engine.dispose()


def _clean(engine: Engine) -> None:
    with engine.begin() as conn:
        if is_postgresql(engine):
            conn.exec_driver_sql(f"TRUNCATE {', '.join(CASE_TABLES)} CASCADE")
        else:
            for t in CASE_TABLES:
                conn.exec_driver_sql(f"DELETE FROM {t}")


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A migrated, seeded database with no cases, on each backend."""
    eng: Engine = request.getfixturevalue(f"{request.param}_engine")
    _clean(eng)
    yield eng


@pytest.fixture
def sqlite_only(sqlite_engine: Engine) -> Iterator[Engine]:
    _clean(sqlite_engine)
    yield sqlite_engine


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def fake_sms(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSms]:
    """The local fake SMS provider over HTTP (workflows/notify/fake_sms.py) as the settings' provider, and the
    centre named as a county's would be; what it received is `fake_sms.messages`."""
    with FakeSms() as sms:
        monkeypatch.setenv("JIEFEN_SMS_PROVIDER", "fake")
        monkeypatch.setenv("JIEFEN_SMS_FAKE_URL", sms.url)
        monkeypatch.setenv("JIEFEN_CENTRE_NAME", "西湖区矛盾纠纷调解中心")
        get_settings.cache_clear()
        yield sms
    get_settings.cache_clear()
