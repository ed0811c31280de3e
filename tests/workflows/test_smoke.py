from states.enums import State
from tests.factories import make_case
from workflows.audit import verify


def test_every_state_reachable_through_the_engine(session):
    for st in State:
        case = make_case(session, state=st)
        assert case.state == st
    checked, broken = verify(session)
    assert broken is None and checked > len(State)
