"""Where the flows run: a Prefect flow run when a Prefect server is configured (PREFECT_API_URL),
else the same body in this process, without importing Prefect at all (its hidden ephemeral server
would cost ~200 MB and 8-12 s on first use for nothing a sweep needs).

`workflows.flows.definitions` holds the Prefect flows themselves (and what `jiefen deploy` registers).
"""

import os
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from models.db import get_engine
from workflows.clocks.sweep import sweep


def prefect_server_configured() -> bool:
    return bool(os.environ.get("PREFECT_API_URL"))


def run_sweep(
    engine: Engine | None = None, *, as_of: datetime | None = None, batch_size: int | None = None
) -> dict[str, Any]:
    """Run the sweep once: a real `sweep_deadlines` flow run when a Prefect server is configured
    (PREFECT_API_URL), else the same body in process."""
    if prefect_server_configured():
        from workflows.flows.definitions import sweep_deadlines, using_engine

        # The run's parameters are as_of and batch_size only: the engine goes by context, never as a URL.
        with using_engine(engine or get_engine()):
            return sweep_deadlines(as_of=as_of, batch_size=batch_size)
    return sweep(engine or get_engine(), as_of=as_of, batch_size=batch_size).as_dict()
