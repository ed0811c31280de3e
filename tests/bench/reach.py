"""Whether the benchmarks' PostgreSQL is there: they measure it when it is and say so when it is not."""

import sqlalchemy as sa


def unreachable(url: str) -> str | None:
    """None when `url` answers `SELECT 1` within 3 s; otherwise a line saying why, for the printed table."""
    probe = sa.create_engine(url, poolclass=sa.pool.NullPool, connect_args={"connect_timeout": 3})
    try:
        with probe.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as e:  # noqa: BLE001 - any failure to reach the server means: not measured
        reason = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:160]
        return f"{sa.engine.make_url(url).render_as_string()} unreachable ({reason})"
    finally:
        probe.dispose()
    return None
