"""Helpers for the statutory-clock tests: settings overrides and a 2027 schedule."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest

from models.settings import get_settings
from workflows.clocks.calendar import YearSchedule, invalidate_calendar_cache

# A 2027 schedule for the tests (chinese_calendar 1.11 has none): 元旦 Fri 1 Jan off, and a make-up
# working Saturday 9 Jan. Hypothetical until the State Council publishes 2027.
SCHEDULE_2027 = YearSchedule(2027, holidays=frozenset({date(2027, 1, 1)}), workdays=frozenset({date(2027, 1, 9)}))
SCHEDULE_2027_YAML = """\
year: 2027
source: 测试用 2027 年节假日安排（假设）
holidays: [2027-01-01]
workdays: [2027-01-09]
"""


@contextmanager
def settings_env(monkeypatch: pytest.MonkeyPatch, **env: str) -> Iterator[None]:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    try:
        yield
    finally:
        for k in env:
            monkeypatch.delenv(k, raising=False)
        get_settings.cache_clear()


def forget_loaded_years(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM calendar_years")
    invalidate_calendar_cache()
