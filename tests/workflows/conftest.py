"""Fixtures for the workflow tests: a Prefect test harness, created once per session when a test asks."""

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """A temporary Prefect server and database for real flow runs (~10 s to start, so once)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def t3(engine):
    """The routing tests' county: the demo centre plus the extra organizations of routing_support.county."""
    from tests.workflows.routing_support import county

    with county(engine):
        yield
