"""Case numbers: （2026）330106调0001号 — year, county code, 调 for mediation, the sequence of that county's
year, gap-free (intake takes the next one from case_counters in the case's own transaction)."""

import re

_CASE_NO = re.compile(r"（(\d{4})）(\d{6})调(\d+)号")


def format_case_no(year: int, region: str, seq: int) -> str:
    """（2026）330106调0001号 — year, county code, 调 for mediation, sequence."""
    return f"（{year}）{region}调{seq:04d}号"


def parse_case_no(case_no: str) -> tuple[str, int, int] | None:
    """(county, year, sequence) of a case number, None for one not in the format."""
    m = _CASE_NO.fullmatch(case_no)
    return None if m is None else (m.group(2), int(m.group(1)), int(m.group(3)))
