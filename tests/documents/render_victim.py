"""`render_pending` that stops at a chosen point and waits to be SIGKILLed (test_outbox_kill).

python -m tests.documents.render_victim DATABASE_URL STOP_AT N

STOP_AT is where the process is when it is killed, on the N-th document it works on:
- "render": inside render_pdf (WeasyPrint), the earlier documents already stored and committed;
- "store": inside the store transaction, after the row was updated and the document_generated event
  appended but before the commit.
It prints "ready" there (so the test kills it at that exact point, never by a timer) and sleeps.
"""

import sys
import time

from sqlmodel import Session

from documents import render
from models.db import make_engine
from workflows.outbox import documents as documents_outbox


def _stop_on(n: int, real):  # type: ignore[no-untyped-def]
    calls = 0

    def stopping(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        out = real(*args, **kwargs) if calls < n else None
        if calls == n:
            if out is None and real is not render.render_pdf:
                out = real(*args, **kwargs)  # the event is appended; the transaction is still open
            print("ready", flush=True)
            time.sleep(600)
        return out

    return stopping


def main() -> None:
    url, stop_at, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if stop_at == "render":
        documents_outbox.render.render_pdf = _stop_on(n, render.render_pdf)  # type: ignore[attr-defined]
    elif stop_at == "store":
        documents_outbox.append_event = _stop_on(n, documents_outbox.append_event)  # type: ignore[assignment]
    else:
        raise SystemExit(f"unknown stop point {stop_at!r}")
    with Session(make_engine(url), expire_on_commit=False) as session:
        documents_outbox.render_pending(session)
    print("finished without being killed", flush=True)


if __name__ == "__main__":
    main()
