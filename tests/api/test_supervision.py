"""GET /api/v1/supervision/overdue (督办): overdue and soon-due cases by organization, how late,
for supervisors and admins, scoped by region like case lists; 401/403/404/422 paths."""

from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session

from models.tables import Case
from states.enums import State
from tests.factories import T0, make_case
from workflows.clocks.sweep import sweep

URL = "/api/v1/supervision/overdue"
AS_OF = "2026-12-10T00:00:00+08:00"  # mediation and court clocks of cases made at T0 ended 3 Dec


def _cases(engine):
    with Session(engine, expire_on_commit=False) as session:
        late = make_case(session, state=State.MEDIATION)  # due 00:00 3 Dec: 7 days late on 10 Dec
        court = make_case(session, state=State.JUDICIAL_CONFIRMATION)  # due 00:00 3 Dec
        soon = make_case(
            session, state=State.MEDIATION, now=T0 + timedelta(days=8)
        )  # accepted 10 Nov: due 00:00 11 Dec
        far = make_case(session, state=State.MEDIATION, now=T0 + timedelta(days=20))  # due 23 Dec
    return late, court, soon, far


def test_without_a_token_it_is_401(client):
    assert client.get(URL).status_code == 401


def test_mediators_intake_and_courts_are_refused_403(client, login):
    for user in ("mediator1", "window1", "court1"):
        r = client.get(URL, headers=login(user))
        assert r.status_code == 403, user
        assert "督办" in r.json()["detail"]


def test_an_unknown_organization_is_404(client, login):
    r = client.get(URL, params={"org_code": "CN-NOWHERE"}, headers=login("super1"))
    assert r.status_code == 404 and "CN-NOWHERE" in r.json()["detail"]


def test_bad_parameters_are_422_naming_the_field(client, login):
    for params, field in (
        ({"within_days": "-1"}, "within_days"),
        ({"as_of": "2026-12-10T00:00:00"}, "as_of"),
        ({"as_of": "soon"}, "as_of"),
        ({"limit": "0"}, "limit"),
    ):
        r = client.get(URL, params=params, headers=login("super1"))
        assert r.status_code == 422, params
        assert field in r.text


def test_lists_overdue_and_soon_due_cases_by_organization_with_how_late(client, login, engine):
    late, court, soon, _far = _cases(engine)
    r = client.get(URL, params={"as_of": AS_OF, "within_days": 3}, headers=login("super1"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == 3 and body["within_days"] == 3
    [org] = body["data"]
    assert (org["org_code"], org["org_name"], org["overdue"], org["soon_due"], org["max_late_days"]) == (
        "CN-ZJ-XH-CC-RTW",
        "北山街道人民调解委员会",
        2,
        1,
        7,
    )
    rows = {c["case_id"]: c for c in org["cases"]}
    assert set(rows) == {str(late.id), str(court.id), str(soon.id)}
    assert (rows[str(late.id)]["status"], rows[str(late.id)]["late_days"], rows[str(late.id)]["late_seconds"]) == (
        "overdue",
        7,
        7 * 86400,
    )
    assert rows[str(late.id)]["due_at"] == "2026-12-03T00:00:00+08:00"
    assert rows[str(court.id)]["kind"] == "court_decision" and "民事诉讼法 第187条" in rows[str(court.id)]["basis"]
    assert (rows[str(soon.id)]["status"], rows[str(soon.id)]["late_days"], rows[str(soon.id)]["late_seconds"]) == (
        "soon_due",
        0,
        -86400,
    )


def test_after_the_sweep_a_court_still_deciding_stays_overdue_and_a_failed_mediation_does_not(client, login, engine):
    late, court, _soon, _far = _cases(engine)
    with Session(engine, expire_on_commit=False) as session:
        referred = make_case(session, state=State.MEDIATION, channel="court_referral")  # 委派: 30 days, then failed
    from datetime import datetime

    sweep(engine, as_of=datetime.fromisoformat(AS_OF), now=datetime.fromisoformat(AS_OF))
    body = client.get(URL, params={"as_of": AS_OF, "within_days": 0}, headers=login("admin")).json()
    listed = {c["case_id"]: c for g in body["data"] for c in g["cases"]}
    # The referred case was deemed failed: no longer listed. The people's mediation past its month goes
    # on, flagged mediation_overdue (legal-reference v2 item 9): still listed, like the court.
    assert str(referred.id) not in listed
    assert set(listed) == {str(court.id), str(late.id)}
    assert (listed[str(court.id)]["deadline_status"], listed[str(court.id)]["late_days"]) == ("fired", 7)
    assert (listed[str(late.id)]["deadline_status"], listed[str(late.id)]["state"]) == ("fired", "mediation")


def test_a_supervisor_sees_only_its_region_and_an_admin_everything(client, login, engine):
    late, court, _soon, _far = _cases(engine)
    with engine.begin() as conn:
        conn.execute(sa.update(Case).where(Case.id == late.id).values(region="330102001001"))  # another district
    sup = {
        c["case_id"]
        for g in client.get(URL, params={"as_of": AS_OF}, headers=login("super1")).json()["data"]
        for c in g["cases"]
    }
    adm = {
        c["case_id"]
        for g in client.get(URL, params={"as_of": AS_OF}, headers=login("admin")).json()["data"]
        for c in g["cases"]
    }
    assert str(late.id) not in sup and str(court.id) in sup
    assert str(late.id) in adm


def test_filtering_by_organization(client, login, engine):
    _cases(engine)
    r = client.get(URL, params={"as_of": AS_OF, "org_code": "CN-ZJ-XH-LDTJ"}, headers=login("super1"))
    assert r.status_code == 200 and r.json() == {"as_of": AS_OF, "within_days": 3, "data": [], "count": 0}


def test_each_organization_counts_every_late_clock_even_when_the_list_is_cut_short(client, login, engine):
    late, court, _soon, _far = _cases(engine)
    r = client.get(URL, params={"as_of": AS_OF, "within_days": 3, "limit": 1}, headers=login("super1"))
    assert r.status_code == 200, r.text
    body = r.json()
    [org] = body["data"]
    assert (org["overdue"], org["soon_due"], org["max_late_days"], body["count"]) == (2, 1, 7, 1)
    [listed] = org["cases"]
    assert listed["case_id"] in {str(late.id), str(court.id)} and listed["status"] == "overdue"
