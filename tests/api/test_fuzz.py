"""Property-based tests of the whole HTTP API with schemathesis (issue 13: "no 5xx, ever").

Every operation of the app's OpenAPI document is called with generated requests — valid and invalid
(schemathesis's examples, coverage and fuzzing phases), as one of the demo users or without a token — and
every answer must be no 5xx, a status the document declares, with the content type and body it declares
for it (`fuzz_support.CHECKS`). Then a state machine walks generated cases from `POST /api/v1/cases`
through the lifecycle along OpenAPI links (the case, its actions, events, deadlines, documents and each
trigger its state allows), checked the same way. The login is fuzzed last: failed logins throttle.

Each run uses databases of its own. The budget fits CI: about a minute on SQLite, and a smaller run on
PostgreSQL (no coverage phase, fewer walks). `make fuzz` runs the same tests with the budget raised
(FUZZ_EXAMPLES, FUZZ_SCENARIOS, FUZZ_RANDOM=1) and prints how many requests were sent and how many failed.
"""

import copy
import json
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import Flaky
from sqlalchemy.engine import Engine

from api.app import create_app
from models.db import make_engine
from models.settings import get_settings
from tests.api.fuzz_lifecycle import caller_for, lifecycle_document
from tests.api.fuzz_support import CALLERS, FuzzReport, Tokens, fresh_database
from tests.conftest import PG_URL, require_postgres

# The CI-sized budget; `make fuzz` raises it (see the Makefile). The coverage phase (boundary values of every
# parameter and field, about 1,400 requests) runs whatever the budget, on SQLite.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))  # fuzzing: generated requests per operation and mode
SCENARIOS = int(os.environ.get("FUZZ_SCENARIOS", "15"))  # lifecycle walks
STEPS = int(os.environ.get("FUZZ_STEPS", "30"))  # calls per walk at most
LOGIN_EXAMPLES = int(os.environ.get("FUZZ_LOGIN_EXAMPLES", "5"))  # each login costs an argon2 hash
PG_SHARE = 3  # PostgreSQL runs about this fraction (1/PG_SHARE) of the walks: the same code, another dialect
# CI sends the same requests every time (a failure there is a regression, not luck); `make fuzz` explores.
RANDOM = os.environ.get("FUZZ_RANDOM") == "1"
MAX_RESTARTS = 20
QUIET = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]


def fuzz_config(examples: int, *, coverage: bool = True) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "cache": {"enabled": False},
            "generation": {"max-examples": examples, "mode": "all", "database": "none", "deterministic": not RANDOM},
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": coverage},
                "fuzzing": {"enabled": True},
                # The lifecycle walk follows the links declared, not links schemathesis would guess.
                "stateful": {"inference": {"algorithms": []}},
            },
        }
    )


def walk_settings(walks: int) -> settings:
    return settings(
        max_examples=max(walks, 1),
        stateful_step_count=STEPS,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],  # no shrinking: a walk replayed against a changed database is another walk
        database=None,
        derandomize=not RANDOM,
    )


def caller_of(case: Any) -> str | None:
    """Who sends a generated request: one of the demo users or nobody, chosen by the request's own content
    (so a failing request, replayed, is sent by the same caller). A `@given` strategy would turn off the
    examples and coverage phases."""
    content = json.dumps([case.path_parameters, case.query, case.body], default=str, sort_keys=True)
    return CALLERS[zlib.crc32(content.encode()) % len(CALLERS)]


# --- the databases the fuzzers write to ------------------------------------------------------------------


@dataclass
class Target:
    backend: str
    engine: Engine
    app: Any
    tokens: Tokens
    report: FuzzReport


def _target(backend: str, request: pytest.FixtureRequest, tmp: Any) -> Iterator[Target]:
    with fresh_database(backend, tmp, PG_URL) as engine:
        app = create_app(get_settings(), engine=engine)
        target = Target(backend, engine, app, Tokens(app), FuzzReport())
        yield target
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\n[{backend}] {target.report.summary()}")
    if path := os.environ.get("FUZZ_REPORT"):  # `make fuzz` adds the figures up over the backends
        with open(path, "a", encoding="utf-8") as f:
            report = target.report
            record = {"backend": backend, "sent": report.sent, "server_errors": report.server_errors()}
            record |= {"failures": len(report.failures), "states": dict(report.states)}
            f.write(json.dumps(record) + "\n")


@pytest.fixture(scope="module")
def fuzz_sqlite(request, tmp_path_factory):
    yield from _target("sqlite", request, tmp_path_factory.mktemp("fuzz"))


@pytest.fixture(scope="module")
def fuzz_postgres(request, tmp_path_factory):
    require_postgres()
    yield from _target("postgres", request, tmp_path_factory.mktemp("fuzz"))


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fuzz_target(request):
    return request.getfixturevalue(f"fuzz_{request.param}")


# --- every operation, stateless ----------------------------------------------------------------------------

# The app's own document (the same for every database); each test sends its requests to the app of its
# fuzz database (`app=`).
DOCUMENT = create_app(get_settings(), engine=make_engine("sqlite://")).openapi()
schema = schemathesis.openapi.from_dict(copy.deepcopy(DOCUMENT), config=fuzz_config(EXAMPLES))
quick = schemathesis.openapi.from_dict(copy.deepcopy(DOCUMENT), config=fuzz_config(1, coverage=False))


def call_and_check(target: Target, case: Any) -> None:
    caller = caller_of(case)
    response = target.report.call(case, target.tokens.headers(caller), app=target.app)
    target.tokens.check(caller, response, case.operation.path)
    target.report.check(case, response)


@schema.exclude(path="/api/v1/auth/token").parametrize()
@settings(deadline=None, suppress_health_check=QUIET)
def test_every_operation_answers_within_its_declared_statuses_and_schemas(case, fuzz_sqlite):
    call_and_check(fuzz_sqlite, case)


@pytest.mark.postgres
@quick.exclude(path="/api/v1/auth/token").parametrize()
@settings(deadline=None, suppress_health_check=QUIET)
def test_every_operation_answers_within_its_declared_statuses_and_schemas_on_postgresql(case, fuzz_postgres):
    call_and_check(fuzz_postgres, case)


# --- the lifecycle, stateful ---------------------------------------------------------------------------


def test_generated_cases_travel_the_lifecycle(fuzz_target):
    target = fuzz_target
    document = lifecycle_document(target.app.openapi(), datetime.now(UTC))
    lifecycle = schemathesis.openapi.from_dict(document, config=fuzz_config(EXAMPLES))
    lifecycle.app = target.app
    walk = lifecycle.include(path_regex=r"^/api/v1/(cases|documents|court)").as_state_machine()
    report, tokens = target.report, target.tokens

    class Lifecycle(walk):  # type: ignore[misc, valid-type]
        walked = 0

        def call(self, case, **kwargs):
            caller = caller_for(target.engine, case.operation.path, case.path_parameters or {})
            response = report.call(case, tokens.headers(caller), **kwargs)
            tokens.check(caller, response, case.operation.path)
            if response.status_code in (200, 201) and case.method.upper() == "POST" and "state" in response.json():
                report.states[response.json()["state"]] += 1
            return response

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            report.check(case, response)

        def teardown(self):
            type(self).walked += 1
            super().teardown()

    # Walks start where no id is needed (a new case, the case list, the court's inbox): a transition fired
    # on a random id is only a 404, which the stateless test sends already.
    for name in walk.root_rules:
        if "_id_" in name:  # RANDOM__POST_api_v1_cases_case_id_actions_divert, …_handoff_id_receive
            setattr(Lifecycle, name, None)
    Lifecycle._root_labels = frozenset(label for label in walk._root_labels if "{" not in label)

    walks = SCENARIOS if target.backend == "sqlite" else max(3, SCENARIOS // PG_SHARE)
    for _ in range(MAX_RESTARTS):
        try:
            Lifecycle.run(settings=walk_settings(walks - Lifecycle.walked))
            break
        except Flaky:
            # The API keeps what earlier walks did (cases, counters), so Hypothesis may find a walk it
            # replays behaving otherwise; schemathesis's own runner restarts then, and so does this test.
            # A failed check is recorded when it happens and raised, never lost to a restart.
            if Lifecycle.walked >= walks:
                break
    assert Lifecycle.walked >= min(walks, 3), Lifecycle.walked
    # Generated cases got past intake (the summary printed at the end lists how far they went).
    assert {"intake", "diversion"} <= set(report.states), report.states


# --- the login, last ------------------------------------------------------------------------------------


@schema.include(path="/api/v1/auth/token").parametrize()
@settings(max_examples=LOGIN_EXAMPLES, deadline=None, suppress_health_check=QUIET)
def test_the_login_answers_within_its_declared_statuses_and_schemas(case, fuzz_sqlite):
    fuzz_sqlite.report.check(case, fuzz_sqlite.report.call(case, {}, app=fuzz_sqlite.app))
