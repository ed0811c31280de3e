"""Personal numbers by role (docs/contract.md §3): supervisors and admins never receive a whole identity
number or phone — in any JSON body, page or PDF — while the window, the mediator and the court keep
what their work needs.

The sweep walks every GET route of the app (API and web) as a supervisor and as an admin over a case at
judicial confirmation with its documents rendered, a joint application with an agent, and numbers
typed into free text; a GET route it does not know how to fill fails it, so a new route is swept too."""

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.app import create_app
from models.settings import get_settings
from tests.api.rendering import with_renderer
from tests.api.steps import act, confirmation_request, open_case, signed_a_moment_ago
from tests.api.test_web_routes import web_login
from tests.documents.support import pdftotext
from tests.factories import COURT, ID_A, MEDIATION_ORG, agreement_payload, case_payload
from tests.privacy_support import (
    EMAIL_A,
    ID_AGENT,
    ID_IN_TEXT,
    PHONE_A,
    PHONE_IN_TEXT,
    texts_with_numbers,
    whole_numbers,
)

Login = Callable[[str], dict[str, str]]
MASKED = ("super1", "admin")
WHOLE_PDF_REFUSAL = "该文书载有完整身份证号码，您的角色无权下载"


@pytest.fixture
def app(engine):
    return with_renderer(create_app(get_settings(), engine=engine))


def confirmation_case(client: TestClient, login: Login) -> dict[str, Any]:
    """window1 opens (a phone typed into the summary), mediator1 accepts, records the agreement (an
    identity number typed into its facts) and applies to the court with an agent for 李四; court1
    records receipt. Every document is rendered."""
    window, mediator = login("window1"), login("mediator1")
    texts = texts_with_numbers()
    applicant, respondent = case_payload()["parties"]
    parties = [{**applicant, "email": EMAIL_A}, respondent]
    case = open_case(client, window, summary=texts["summary"], parties=parties)
    act(client, window, case["id"], "divert", {"org_code": MEDIATION_ORG})
    act(client, mediator, case["id"], "accept", {"mediator_code": "M-0001"})
    act(
        client,
        mediator,
        case["id"],
        "reach_agreement",
        {**agreement_payload(), "signed_at": signed_a_moment_ago(), "facts": texts["facts"]},
    )
    agent = {"party": 1, "name": "赵六", "id_number": ID_AGENT, "authority": "special"}
    case = act(
        client, mediator, case["id"], "request_confirmation", confirmation_request(applicants=[0], agents=[agent])
    )
    [handoff] = client.get("/api/v1/court/confirmations", headers=login("court1")).json()
    r = client.post(f"/api/v1/court/confirmations/{handoff['id']}/receive", headers=login("court1"))
    assert r.status_code == 200, r.text
    docs = client.get(f"/api/v1/cases/{case['id']}/documents", headers=mediator).json()
    assert {d["kind"]: d["status"] for d in docs} == {
        "intake_receipt": "rendered",
        "acceptance_notice": "rendered",
        "mediation_agreement": "rendered",
        "confirmation_application": "rendered",
    }
    return {"case": case, "handoff": handoff, "docs": docs}


def _values(path: str, param: str, made: dict[str, Any]) -> list[str]:
    """What to put in a path parameter; a parameter not known here fails the sweep."""
    case, handoff, docs = made["case"], made["handoff"], made["docs"]
    match param:
        case "case_id":
            return [case["id"]]
        case "doc_id":
            return [d["id"] for d in docs]
        case "handoff_id":
            return [handoff["id"]]
        case "code" if "/verify/" in path:
            return [d["sha256"] for d in docs]
        case "code" if "/organizations/" in path:
            return [COURT, MEDIATION_ORG]
        case "code" if "/mediators/" in path:
            return ["M-0001"]
        case "username":  # accounts hold no identity number or phone; the walk checks that stays so
            return ["window1", "mediator1", "court1"]
        case "typed" if path.startswith("/p/c/"):  # the portal's case code (一案一码), known and unknown
            return [case["public_code"], "ZZZZ2222"]
        case "period":  # the monthly workbooks: no party's number is in a statistic
            return ["2026-11"]
    pytest.fail(f"the sweep does not know how to fill {{{param}}} in GET {path}: add it to _values")


def get_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """The GET routes among `routes`, those of included routers too (FastAPI keeps an included router
    as one entry holding the original; its routes carry their full paths: no prefix is added at
    inclusion)."""
    for route in routes:
        if (included := getattr(route, "original_router", None)) is not None:
            yield from get_routes(included.routes)
        elif isinstance(route, APIRoute) and "GET" in route.methods:
            yield route


def get_urls(app: Any, made: dict[str, Any], *, web: bool) -> Iterator[str]:
    """Every GET route of the app (`web`: the pages, else the API), its parameters filled in."""
    routes = list(get_routes(app.routes))
    documented = {path for path, ops in app.openapi()["paths"].items() if "get" in ops}
    assert documented <= {r.path for r in routes}, "the walk missed a documented GET route"
    for route in routes:
        if route.path.startswith("/api/") == web:
            continue
        urls = [route.path]
        for param in re.findall(r"{(\w+)(?::\w+)?}", route.path):
            urls = [u.replace(f"{{{param}}}", v) for u in urls for v in _values(route.path, param, made)]
        yield from urls
    if not web:  # the lists with their filters, a search and the court's inbox by status
        case = made["case"]
        yield f"/api/v1/cases?q={case['case_no']}"
        yield "/api/v1/cases?state=judicial_confirmation"
        yield from (f"/api/v1/court/confirmations?status={s}" for s in ("pending", "accepted"))
    else:
        yield "/cases?q=张三"


def _leaks(r: Any) -> list[str]:
    if r.headers.get("content-type", "").startswith("application/pdf"):
        return whole_numbers(pdftotext(r.content))
    if r.url.path == "/metrics":  # Prometheus text
        # what could carry a person's number are the labels; the samples are counts and sums of seconds,
        # whose 18 decimals (0.014429791999646113) read like an identity number
        return whole_numbers("\n".join(re.findall(r"\{[^}]*\}", r.text)))
    return whole_numbers(r.text)


@pytest.mark.parametrize("username", MASKED)
def test_no_get_route_gives_a_masked_role_a_whole_number(
    app: Any, client: TestClient, login: Login, username: str
) -> None:
    made = confirmation_case(client, login)
    headers = login(username)
    swept: dict[str, int] = {}
    leaks: dict[str, list[str]] = {}
    for url in get_urls(app, made, web=False):
        r = client.get(url, headers=headers)
        assert r.status_code < 500, (url, r.status_code, r.text[:300])
        swept[url] = r.status_code
        if found := _leaks(r):
            leaks[url] = found
    client.cookies.clear()
    web_login(client, username)
    for url in get_urls(app, made, web=True):
        r = client.get(url, follow_redirects=False)
        assert r.status_code < 500, (url, r.status_code, r.text[:300])
        swept[url] = r.status_code
        if found := _leaks(r):
            leaks[url] = found
    assert leaks == {}, "\n".join(f"{url}: {found}" for url, found in leaks.items())
    # the sweep saw the party data it was meant to: the case, its events and the hand-off answered 200
    case_id, handoff_id = made["case"]["id"], made["handoff"]["id"]
    for url in (f"/api/v1/cases/{case_id}", f"/api/v1/cases/{case_id}/events", f"/cases/{case_id}"):
        assert swept[url] == 200, url
    if username == "admin":
        assert swept[f"/api/v1/court/confirmations/{handoff_id}"] == 200
        assert swept["/court"] == 200
    assert len(swept) >= 30, sorted(swept)
    # the applicant's email, masked like the phone (the window and the mediator read it whole)
    shown = client.get(f"/api/v1/cases/{case_id}", headers=headers).json()["parties"][0]
    assert (shown["phone"], shown["email"]) == ("138****5678", "z***@example.com")
    assert "z***@example.com" in client.get(f"/cases/{case_id}").text
    window = TestClient(client.app)
    web_login(window, "window1")
    assert EMAIL_A in window.get(f"/cases/{case_id}").text


def test_the_admin_reads_a_court_confirmation_masked_and_the_court_whole(client: TestClient, login: Login) -> None:
    made = confirmation_case(client, login)
    url = f"/api/v1/court/confirmations/{made['handoff']['id']}"
    admin = client.get(url, headers=login("admin"))
    assert admin.status_code == 200, admin.text
    assert whole_numbers(admin.text) == []
    applicant, _represented = admin.json()["package"]["applicants"]  # 李四 applies through the agent
    assert applicant["id_number"] == ID_A[:6] + "********" + ID_A[-4:]
    assert applicant["phone"] == "138****5678"
    [agent] = admin.json()["package"]["joint_application"]["agents"]
    assert agent["id_number"] == ID_AGENT[:6] + "********" + ID_AGENT[-4:]
    assert PHONE_IN_TEXT[:3] + "****" + PHONE_IN_TEXT[-4:] in admin.json()["package"]["summary"]

    court = client.get(url, headers=login("court1")).json()
    applicant, _represented = court["package"]["applicants"]
    assert (applicant["id_number"], applicant["phone"]) == (ID_A, PHONE_A)
    assert court["package"]["joint_application"]["agents"][0]["id_number"] == ID_AGENT


@pytest.mark.parametrize("username", MASKED)
def test_a_pdf_holding_whole_numbers_is_refused_to_a_masked_role_on_the_api_and_the_web(
    client: TestClient, login: Login, username: str
) -> None:
    made = confirmation_case(client, login)
    docs = {d["kind"]: d for d in made["docs"]}
    web = TestClient(client.app)
    web_login(web, username)
    for kind in ("mediation_agreement", "confirmation_application"):
        doc_id = docs[kind]["id"]
        r = client.get(f"/api/v1/documents/{doc_id}/pdf", headers=login(username))
        assert (r.status_code, r.json()) == (403, {"detail": WHOLE_PDF_REFUSAL}), kind
        page = web.get(f"/documents/{doc_id}/pdf")
        assert page.status_code == 403 and WHOLE_PDF_REFUSAL in page.text, kind
        assert not page.headers["content-type"].startswith("application/pdf")
        meta = client.get(f"/api/v1/documents/{doc_id}", headers=login(username))  # its record is still shown
        assert meta.status_code == 200 and meta.json()["sha256"] == docs[kind]["sha256"]


@pytest.mark.parametrize(
    ("username", "kinds"),
    [
        ("court1", ("mediation_agreement", "confirmation_application")),
        ("mediator1", ("mediation_agreement", "confirmation_application")),
        ("window1", ("acceptance_notice", "mediation_agreement")),
    ],
)
def test_the_roles_that_need_them_still_download_the_whole_numbers(
    client: TestClient, login: Login, username: str, kinds: tuple[str, ...]
) -> None:
    made = confirmation_case(client, login)
    docs = {d["kind"]: d for d in made["docs"]}
    for kind in kinds:
        r = client.get(f"/api/v1/documents/{docs[kind]['id']}/pdf", headers=login(username))
        assert r.status_code == 200 and r.content.startswith(b"%PDF"), (kind, r.status_code)
        text = re.sub(r"\s+", "", pdftotext(r.content, "-raw"))
        if kind == "acceptance_notice":
            assert PHONE_IN_TEXT in text  # the summary, as typed
        else:
            assert ID_A in text and PHONE_A in text, kind
    if username == "court1":
        text = re.sub(
            r"\s+",
            "",
            pdftotext(
                client.get(
                    f"/api/v1/documents/{docs['confirmation_application']['id']}/pdf", headers=login("court1")
                ).content,
                "-raw",
            ),
        )
        assert ID_AGENT in text


@pytest.mark.parametrize("username", MASKED)
def test_a_notice_without_whole_numbers_is_served_to_a_masked_role(
    client: TestClient, login: Login, username: str
) -> None:
    window = login("window1")
    case = open_case(client, window)  # nothing typed with a number in it
    act(client, window, case["id"], "divert", {"org_code": MEDIATION_ORG})
    receipt, notice = client.get(f"/api/v1/cases/{case['id']}/documents", headers=window).json()
    assert (receipt["kind"], receipt["status"]) == ("intake_receipt", "rendered")
    assert (notice["kind"], notice["status"]) == ("acceptance_notice", "rendered")
    for doc in (receipt, notice):
        r = client.get(f"/api/v1/documents/{doc['id']}/pdf", headers=login(username))
        assert r.status_code == 200 and r.content.startswith(b"%PDF")
        assert whole_numbers(pdftotext(r.content)) == []


@pytest.mark.parametrize("username", MASKED)
def test_the_intake_receipt_prints_no_number_even_when_one_was_typed_into_the_summary(
    client: TestClient, login: Login, username: str
) -> None:
    made = confirmation_case(client, login)  # its summary holds a phone number as typed
    receipt = next(d for d in made["docs"] if d["kind"] == "intake_receipt")
    r = client.get(f"/api/v1/documents/{receipt['id']}/pdf", headers=login(username))
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    text = re.sub(r"\s+", "", pdftotext(r.content, "-raw"))
    assert made["case"]["case_no"] in text and whole_numbers(text) == []
    assert ID_A not in text and PHONE_A not in text and PHONE_IN_TEXT not in text


def test_events_show_a_supervisor_free_text_masked_and_the_mediator_as_typed(client: TestClient, login: Login) -> None:
    made = confirmation_case(client, login)
    url = f"/api/v1/cases/{made['case']['id']}/events"
    supervisor = client.get(url, headers=login("super1"))
    assert supervisor.status_code == 200 and whole_numbers(supervisor.text) == []
    events = {e["trigger"]: e for e in supervisor.json()}
    assert PHONE_IN_TEXT[:3] + "****" + PHONE_IN_TEXT[-4:] in events["open"]["payload"]["summary"]
    assert ID_IN_TEXT[:6] + "********" + ID_IN_TEXT[-4:] in events["reach_agreement"]["payload"]["facts"]
    assert events["open"]["payload"]["parties"][0]["phone"] == "138****5678"  # masked once, not twice
    generated = [e for e in supervisor.json() if e["trigger"] == "document_generated"]
    mediator = {e["seq"]: e for e in client.get(url, headers=login("mediator1")).json()}
    for e in generated:  # digests and ids are never taken for numbers
        assert e["payload"] == mediator[e["seq"]]["payload"]
        assert (e["hash"], e["prev_hash"]) == (mediator[e["seq"]]["hash"], mediator[e["seq"]]["prev_hash"])
    assert texts_with_numbers()["summary"] == mediator[1]["payload"]["summary"]


def test_a_supervisors_own_action_answers_masked(client: TestClient, login: Login) -> None:
    window = login("window1")
    case = open_case(client, window, summary=texts_with_numbers()["summary"])
    r = client.post(
        f"/api/v1/cases/{case['id']}/actions/divert", json={"org_code": MEDIATION_ORG}, headers=login("super1")
    )
    assert r.status_code == 200, r.text
    assert whole_numbers(r.text) == []
    assert PHONE_IN_TEXT not in r.json()["summary"] and "137****1111" in r.json()["summary"]


def test_a_masked_role_cannot_confirm_a_guessed_number_by_searching(client: TestClient, login: Login) -> None:
    """A supervisor sees 110105********002X: searching by each guess of the eight hidden digits would
    find the whole number. The search by a whole number is the window's (and the mediator's)."""
    case = open_case(client, login("window1"))
    for number in (ID_A, PHONE_A):
        for username, found in (("window1", [case["id"]]), ("super1", []), ("admin", [])):
            r = client.get("/api/v1/cases", params={"q": number}, headers=login(username))
            assert r.status_code == 200, r.text
            assert [c["id"] for c in r.json()["data"]] == found, (username, number)
    r = client.get("/api/v1/cases", params={"q": "张三"}, headers=login("super1"))  # by name, as before
    assert [c["id"] for c in r.json()["data"]] == [case["id"]]
