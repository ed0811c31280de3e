"""The write path's statements (models/prepared.py) store and read values exactly as Connection.execute
does, on each backend; and the working copies they fill (models/rows.py) convert a column when used."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Session

from models.prepared import Prepared, insert_rows
from models.rows import CaseRow, Record
from models.tables import Case, Deadline, Document
from states.enums import State
from tests.factories import T0, make_case

CASES = Case.__table__  # type: ignore[attr-defined]
DEADLINES = Deadline.__table__  # type: ignore[attr-defined]
DOCUMENTS = Document.__table__  # type: ignore[attr-defined]


def _document(case_id: uuid.UUID, kind: str, at: datetime) -> dict:
    return {
        "id": uuid.uuid4(),
        "case_id": case_id,
        "kind": kind,
        "status": "pending",
        "source_event_seq": 3,
        "created_at": at,
        "next_attempt_at": None,
        "version": 1,
        "attempts": 0,
    }


def test_rows_read_as_connection_execute_reads_them(engine, session):
    case = make_case(session, state=State.AGREEMENT)  # JSON, dates, booleans, timestamps, a UUID
    by_id = sa.select(CASES).where(CASES.c.id == sa.bindparam("b_id"))
    clocks = sa.select(DEADLINES).where(DEADLINES.c.case_id == sa.bindparam("b_id")).order_by(DEADLINES.c.kind)
    with engine.connect() as conn:
        for stmt in (by_id, clocks):
            expected = [tuple(r) for r in conn.execute(stmt, {"b_id": case.id})]
            assert expected, "the statement reads something"
            assert Prepared(stmt).rows(conn, {"b_id": case.id}) == expected


def test_rows_written_read_back_as_given(engine, session):
    case = make_case(session, state=State.MEDIATION)
    at = datetime(2026, 11, 3, 1, 2, 3, 456789, tzinfo=UTC)
    rows = [_document(case.id, "mediation_agreement", at), _document(case.id, "termination_notice", at)]
    sent: list[str] = []
    with engine.begin() as conn:
        event.listen(conn, "before_cursor_execute", lambda *a: sent.append(a[2]))
        insert_rows(conn, DOCUMENTS, rows)
    assert len(sent) == 1, "both rows in one INSERT … VALUES (…), (…)"
    with engine.connect() as conn:
        mine = DOCUMENTS.c.id.in_([r["id"] for r in rows])
        stored = conn.execute(sa.select(DOCUMENTS).where(mine)).mappings().all()
    assert sorted((dict((k, r[k]) for k in rows[0]) for r in stored), key=lambda r: r["kind"]) == rows
    assert all(r["created_at"] == at and r["created_at"].tzinfo is not None for r in stored)


def test_an_update_counts_the_rows_it_changed(engine, session):
    case = make_case(session, state=State.MEDIATION)
    update = Prepared(CASES.update().where(CASES.c.id == sa.bindparam("b_id")))
    later = T0 + timedelta(days=3)
    with engine.begin() as conn:
        assert update.execute(conn, {"b_id": case.id, "next_duty_day": date(2026, 11, 9), "updated_at": later}) == 1
        assert update.execute(conn, {"b_id": uuid.uuid4(), "next_duty_day": None}) == 0
    with Session(engine) as s:
        row = s.get(Case, case.id)
        assert row is not None and (row.next_duty_day, row.updated_at) == (date(2026, 11, 9), later)


def test_a_column_with_a_python_default_left_out_is_refused(engine, session):
    case = make_case(session, state=State.INTAKE)
    with engine.begin() as conn, pytest.raises(ValueError, match="created_at"):
        Prepared(DOCUMENTS.insert()).execute(conn, {"id": uuid.uuid4(), "case_id": case.id, "kind": "x"})


def test_a_driver_error_comes_as_sqlalchemys_and_a_listeners_as_raised(engine, session):
    case = make_case(session, state=State.INTAKE)
    row = _document(case.id, "mediation_agreement", T0)
    with engine.begin() as conn:
        insert_rows(conn, DOCUMENTS, [row])
        with pytest.raises(sa.exc.IntegrityError), conn.begin_nested():
            insert_rows(conn, DOCUMENTS, [row])

    class Refused(Exception):
        pass

    def refuse(*_args: object) -> None:
        raise Refused

    with engine.begin() as conn:
        event.listen(conn, "after_cursor_execute", refuse)
        with pytest.raises(Refused):
            insert_rows(conn, DOCUMENTS, [_document(case.id, "termination_notice", T0)])


def test_a_record_converts_a_column_when_first_used():
    calls: list[str] = []

    def convert(value: str) -> int:
        calls.append(value)
        return int(value)

    row = CaseRow.read(("version", "event_seq", "state"), ("3", None, "mediation"), (convert, convert, None))
    assert calls == []
    assert row.state == "mediation" and row.event_seq is None and calls == []  # NULL needs no conversion
    assert row.version == 3 and row.version == 3 and calls == ["3"]
    row.version = 4  # set: what it was read as stays known
    assert (row.version, row.before("version"), row.changes()) == (4, 3, {"version": 4})


def test_a_record_gives_every_value_converted():
    row = Record.read(("a", "b"), ("1", "2"), (int, None))
    row.a = 1  # same value: not a change
    assert row.values() == {"a": 1, "b": "2"} and row.changes() == {}
    late = Record.read(("a",), ("7",), (int,))
    assert late.before("a") == 7 and repr(late) == "Record({'a': 7})"
    with pytest.raises(AttributeError):
        _ = late.missing  # type: ignore[attr-defined]
