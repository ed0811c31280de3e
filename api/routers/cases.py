"""Case routes: a call to a service and a return. No state checks, no commits here."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Response, status

from api.deps import ActorDep, SessionDep
from api.ids import RecordId
from api.responses import errors
from models.schemas import (
    ActionsPublic,
    CaseCreate,
    CasePublic,
    CasesPublic,
    DeadlinePublic,
    DocumentPublic,
    EventPublic,
)
from states.enums import DisputeType, State
from workflows import engine, intake
from workflows.errors import PayloadInvalid
from workflows.read import case_list, queries
from workflows.routing import replay as diversion

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])


IF_MATCH = 'the case\'s version (its ETag), e.g. 3 or "3": a case changed since answers 409'
CURSOR = "the previous page's next_cursor, to read the page after it (with the same filters; offset 0)"
CURSOR_MAX = 512
VERSION = {"pattern": r'^\s*(W/)?"?[0-9]{1,18}"?\s*$'}  # documents what _version reads (its refusal is in Chinese)


def _version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    raw = if_match.strip().removeprefix("W/").strip('"')
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise PayloadInvalid(["header", "If-Match"], "If-Match：应为案件的版本号（整数）")
    return int(raw)


# A repeated Idempotency-Key answers 200 with the case the first request opened (and Idempotent-Replayed: true).
REPLAYED: dict[int | str, dict[str, Any]] = {
    200: {
        "model": CasePublic,
        "description": "Idempotency-Key 重复：返回首次登记的案件",
        "headers": {"Idempotent-Replayed": {"description": "true", "schema": {"type": "string"}}},
    }
}


@router.post("", response_model=CasePublic, status_code=status.HTTP_201_CREATED, responses={**REPLAYED, **errors(403)})
def create_case(
    data: CaseCreate,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> CasePublic:
    case, created = intake.open_case(session, data=data, actor=actor, idempotency_key=idempotency_key)
    if not created:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["ETag"] = f'"{case.version}"'
    response.headers["Location"] = f"/api/v1/cases/{case.id}"
    public = queries.case_public(session, case, actor=actor)
    public.possible_duplicates = diversion.possible_duplicates(session, actor=actor, case=case)
    return public


@router.get("", response_model=CasesPublic)
def list_cases(
    session: SessionDep,
    actor: ActorDep,
    state: State | None = None,
    dispute_type: DisputeType | None = None,
    org_code: Annotated[str | None, Query(max_length=64)] = None,
    overdue: bool = False,
    flag: Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_]+$")] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=CURSOR_MAX, description=CURSOR)] = None,
) -> CasesPublic:
    filters = case_list.CaseFilters(
        state=state,
        dispute_type=dispute_type,
        org_code=org_code,
        overdue=overdue,
        q=q or None,
        offset=offset,
        limit=limit,
        flag=flag,
        cursor=cursor or None,
    )
    return case_list.list_cases(session, actor, filters)


@router.get("/{case_id}", response_model=CasePublic)
def get_case(case_id: RecordId, session: SessionDep, actor: ActorDep, response: Response) -> CasePublic:
    case = queries.get_case(session, actor, case_id)
    response.headers["ETag"] = f'"{case.version}"'
    return case


@router.get("/{case_id}/actions", response_model=ActionsPublic)
def list_actions(case_id: RecordId, session: SessionDep, actor: ActorDep) -> ActionsPublic:
    return queries.actions(session, actor, case_id)


@router.post("/{case_id}/actions/{trigger}", response_model=CasePublic, responses=errors(403, 409))
def fire_action(
    case_id: RecordId,
    trigger: str,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    payload: Annotated[dict[str, Any] | None, Body()] = None,
    if_match: Annotated[str | None, Header(alias="If-Match", description=IF_MATCH, json_schema_extra=VERSION)] = None,
) -> CasePublic:
    case = engine.fire(
        session,
        case_id=case_id,
        trigger=trigger,
        actor=actor,
        payload=payload or {},
        expected_version=_version(if_match),
    )
    response.headers["ETag"] = f'"{case.version}"'
    return queries.case_public(session, case, actor=actor)


@router.get("/{case_id}/events", response_model=list[EventPublic])
def list_events(case_id: RecordId, session: SessionDep, actor: ActorDep) -> list[EventPublic]:
    return queries.events(session, actor, case_id)


@router.get("/{case_id}/deadlines", response_model=list[DeadlinePublic])
def list_deadlines(case_id: RecordId, session: SessionDep, actor: ActorDep) -> list[DeadlinePublic]:
    return queries.deadlines(session, actor, case_id)


@router.get("/{case_id}/documents", response_model=list[DocumentPublic])
def list_documents(case_id: RecordId, session: SessionDep, actor: ActorDep) -> list[DocumentPublic]:
    return queries.documents(session, actor, case_id)
