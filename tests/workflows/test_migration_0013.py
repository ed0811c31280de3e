"""Migration 0013 on a real database of each backend, taken down to 0010 and up again: a mediation clock
extended before it keeps the days it was extended by (from its `extend` events), so the cap counts them; an
idempotency key stored before it has no digest and keeps replaying its case for any body."""

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic import command
from sqlmodel import Session

from models.db import make_engine
from models.migrate import alembic_config, upgrade
from models.schemas import CaseCreate
from models.tables import Deadline, IdempotencyKey
from states.enums import State, Trigger as T
from tests.conftest import _seed, require_postgres, scratch_postgres
from tests.factories import T0, actor, case_payload, make_case
from tests.workflows.support import fire_as, local
from workflows.errors import GuardRefused
from workflows.intake import open_case


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    with scratch_postgres(require_postgres()) as pg:
        yield pg


def _columns(engine, table: str) -> set[str]:
    with engine.connect() as conn:
        return {c["name"] for c in sa.inspect(conn).get_columns(table)}


def test_extensions_and_keys_from_before_0013_are_carried_over(url):
    upgrade(url)
    engine = make_engine(url)
    _seed(engine)
    extend = {"reason": "双方同意延长", "consent": True}
    with Session(engine, expire_on_commit=False) as session:
        case = make_case(session, state=State.MEDIATION)
        fire_as(session, case, T.EXTEND, "mediator1", {**extend, "days": 12}, now=local(2026, 11, 5, 10))
        fire_as(session, case, T.EXTEND, "mediator1", {**extend, "days": 8}, now=local(2026, 11, 6, 10))
        window = actor(session, "window1")
        keyed, _ = open_case(
            session, data=CaseCreate.model_validate(case_payload()), actor=window, idempotency_key="k-old", now=T0
        )
    engine.dispose()

    command.downgrade(alembic_config(url), "0010")
    engine = make_engine(url)
    assert "extended_days" not in _columns(engine, "deadlines")
    assert "request_digest" not in _columns(engine, "idempotency_keys")
    engine.dispose()

    upgrade(url)
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            clocks = session.exec(
                sa.select(Deadline.kind, Deadline.status, Deadline.extended_days).where(Deadline.case_id == case.id)
            ).all()
            assert ("mediation", "pending", 20) in clocks
            assert all(days == 0 for kind, _, days in clocks if kind != "mediation")
            with pytest.raises(GuardRefused) as exc:
                fire_as(session, case, T.EXTEND, "mediator1", {**extend, "days": 11}, now=local(2026, 11, 7, 10))
            assert "已延长20日，尚可延长10日" in exc.value.detail

            [key] = session.exec(sa.select(IdempotencyKey.request_digest)).all()
            assert key == (None,)
            other = CaseCreate.model_validate(case_payload(summary="另一份摘要"))
            again, created = open_case(session, data=other, actor=window, idempotency_key="k-old", now=T0)
            assert (again.id, created) == (keyed.id, False)
    finally:
        engine.dispose()
