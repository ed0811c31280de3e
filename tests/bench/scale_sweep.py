"""One sweep worker for tests/bench/test_scale.py: `python -m tests.bench.scale_sweep URL AS_OF BATCH` runs
the deadline sweep (workflows/clocks/sweep.py, its batch path) once on URL as of AS_OF, BATCH deadlines a
transaction, and prints its report
as JSON. Two of them at once are the bench's two workers."""

import json
import sys
import time
from datetime import datetime

from models.db import make_engine
from workflows.clocks.sweep import sweep


def main() -> None:
    url, as_of, batch = sys.argv[1], datetime.fromisoformat(sys.argv[2]), int(sys.argv[3])
    engine = make_engine(url)
    t = time.perf_counter()
    report = sweep(engine, as_of=as_of, batch_size=batch)
    print(json.dumps({**report.as_dict(), "seconds": time.perf_counter() - t}))
    engine.dispose()


if __name__ == "__main__":
    main()
