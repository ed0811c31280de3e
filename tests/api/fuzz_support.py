"""What tests/api/test_fuzz.py needs besides schemathesis: a fresh seeded database, the demo users' tokens,
a report that counts every request and every failure, and (run as a module) the figures of a `make fuzz`
run. The lifecycle view the stateful test walks is in tests/api/fuzz_lifecycle.py.
"""

import json
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml
from fastapi.testclient import TestClient
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.db import make_engine
from models.migrate import upgrade
from models.seed.loader import load_seed_file
from tests.conftest import DEMO_SEED, scratch_postgres

# Every answer is checked for: no 5xx, a status the document declares, the content type and the body
# schema it declares for that status.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

SEED = yaml.safe_load(DEMO_SEED.read_text(encoding="utf-8"))
PASSWORDS = {u["username"]: u["password"] for u in SEED["users"]}
MEDIATOR_OF_ORG = {u["org"]: u["username"] for u in SEED["users"] if u["role"] == "mediator"}
CALLERS = ("window1", "mediator1", "court1", "super1", "admin", None)  # None: no token at all
CASE_ACTION = "/api/v1/cases/{case_id}/actions/{trigger}"


# --- the database and the tokens ------------------------------------------------------------------------


@contextmanager
def fresh_database(backend: str, tmp: Path, postgres_url: str | None) -> Iterator[Engine]:
    """A migrated database with the demo seed, for the fuzzers alone: they create, change and delete
    organizations, which the other tests' shared database must not see."""
    if backend == "postgres":
        assert postgres_url, "the PostgreSQL fuzz run needs JIEFEN_TEST_POSTGRES_URL"
        with scratch_postgres(postgres_url) as url, _seeded(url) as engine:
            yield engine
    else:
        with _seeded(f"sqlite:///{tmp / 'fuzz.db'}") as engine:
            yield engine


@contextmanager
def _seeded(url: str) -> Iterator[Engine]:
    upgrade(url)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        load_seed_file(session, DEMO_SEED)
    try:
        yield engine
    finally:
        engine.dispose()


class Tokens:
    """Bearer tokens of the demo users, logged in once; logged in again if a fuzzed call revoked one."""

    def __init__(self, app: Any) -> None:
        self.client = TestClient(app)
        self.engine: Engine = app.state.engine
        self.tokens: dict[str, str] = {}

    def _login(self, user: str) -> Any:
        return self.client.post("/api/v1/auth/token", data={"username": user, "password": PASSWORDS[user]})

    def headers(self, user: str | None) -> dict[str, str]:
        if user is None:
            return {}
        if user not in self.tokens:
            r = self._login(user)
            if r.status_code == 429:
                # Fuzzed wrong passwords (a password change with a wrong old one counts as a failed login)
                # locked the user or the client's address out: the throttle at work. Forget them, log in again.
                with self.engine.begin() as conn:
                    conn.exec_driver_sql("DELETE FROM login_failures")
                r = self._login(user)
            assert r.status_code == 200, f"login {user}: {r.status_code} {r.text[:200]}"
            self.tokens[user] = r.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def check(self, user: str | None, response: Any, path: str) -> None:
        """A 401 to a token that worked: a fuzzed logout or password change revoked it; log in again."""
        if user is not None and response.status_code == 401 and path != "/api/v1/auth/token":
            self.tokens.pop(user, None)


# --- counting ------------------------------------------------------------------------------------------


@dataclass
class FuzzReport:
    """Every request sent and every failing answer, by operation (printed at the end of the module)."""

    requests: Counter[str] = field(default_factory=Counter)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    failures: list[tuple[str, int, str, str]] = field(default_factory=list)  # (operation, status, failure, curl)
    states: Counter[str] = field(default_factory=Counter)  # states the stateful walk brought cases to

    def call(self, case: Any, headers: dict[str, str], **kwargs: Any) -> Any:
        label = case.operation.label
        self.requests[label] += 1
        try:
            response = case.call(headers=headers, **kwargs)
        except requests.RequestException:  # the request could not even be sent: not the app's doing
            raise
        except Exception as exc:  # the app raised: a 500 behind uvicorn (the ASGI client passes it on)
            self.statuses[(label, 500)] += 1
            self.failures.append((label, 500, f"unhandled {type(exc).__name__}: {exc}"[:200], case.as_curl_command()))
            raise
        self.statuses[(label, response.status_code)] += 1
        return response

    def check(self, case: Any, response: Any) -> None:
        """Run the checks; record each failure (so a run counts them all) and raise them."""
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            curl = case.as_curl_command()
            for failure in group.exceptions:
                self.failures.append((case.operation.label, response.status_code, failure.title, curl))
            raise

    @property
    def sent(self) -> int:
        return sum(self.requests.values())

    def server_errors(self) -> int:
        return sum(n for (_, status), n in self.statuses.items() if status >= 500)

    def summary(self) -> str:
        distinct = sorted({(op, status, title) for op, status, title, _ in self.failures})
        lines = [
            f"fuzz: {self.sent} requests sent to {len(self.requests)} operations; "
            f"{self.server_errors()} answered 5xx; {len(self.failures)} failed checks "
            f"({len(distinct)} distinct)",
        ]
        if self.states:
            lines.append(
                "fuzz: states reached by generated cases: "
                + ", ".join(f"{s} {n}" for s, n in self.states.most_common())
            )
        lines += [f"  FAIL {op} -> {status}: {title}" for op, status, title in distinct]
        seen = set()
        for op, status, title, curl in self.failures:
            if (op, status, title) not in seen:
                seen.add((op, status, title))
                lines.append(f"  reproduce ({op} {title}): {curl[:600]}")
        return "\n".join(lines)


# --- `make fuzz`: the figures of a run ---------------------------------------------------------------------


def main(argv: list[str]) -> int:
    """Add up the JSON lines the fuzz tests wrote (FUZZ_REPORT) and print them; exit 1 on any failure, or
    when fewer requests than the first argument's minimum were sent."""
    path, minimum = argv[0], int(argv[1]) if len(argv) > 1 else 0
    records = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    sent = sum(r["sent"] for r in records)
    errors = sum(r["server_errors"] for r in records)
    failures = sum(r["failures"] for r in records)
    states: Counter[str] = Counter()
    for r in records:
        states.update(r["states"])
    by_backend = ", ".join(f"{r['backend']} {r['sent']}" for r in records)
    print(f"fuzz: {sent} requests sent ({by_backend}); {errors} answered 5xx; {failures} failed checks")
    print("fuzz: states reached by generated cases: " + ", ".join(f"{s} {n}" for s, n in states.most_common()))
    if sent < minimum:
        print(f"fuzz: fewer than {minimum} requests: raise FUZZ_EXAMPLES or FUZZ_SCENARIOS", file=sys.stderr)
        return 1
    return 1 if errors or failures else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
