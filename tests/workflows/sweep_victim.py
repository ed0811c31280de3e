"""A sweep that stops in the middle of a batch and waits to be killed (used by test_sweep_concurrency).

python -m tests.workflows.sweep_victim DATABASE_URL AS_OF BATCH_SIZE STOP_AFTER
prints "ready" after STOP_AFTER deadlines were acted on, inside an open batch transaction, then sleeps.
"""

import sys
import time
from datetime import datetime

import workflows.clocks.sweep as sweep_module
from models.db import make_engine
from workflows.clocks.sweep import fire_due_locked


def main() -> None:
    url, as_of, batch, stop_after = sys.argv[1], datetime.fromisoformat(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    done = 0

    def acting(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal done
        outcome = fire_due_locked(*args, **kwargs)
        done += 1
        if done == stop_after:
            print("ready", flush=True)
            time.sleep(600)
        return outcome

    sweep_module.fire_due_locked = acting  # type: ignore[assignment]
    sweep_module.sweep(make_engine(url), as_of=as_of, now=as_of, batch_size=batch)  # a simulated clock


if __name__ == "__main__":
    main()
