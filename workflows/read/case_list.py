"""Case lists (GET /api/v1/cases, the web list, the workbench): scoped, filtered, paged by keyset.

Read with Core: the columns a list shows, straight into `CasePublic`, no ORM instances. The order is
the most recently updated first (updated_at, then id, both descending; index ix_cases_updated_id). A
page is found either by `offset` (as always) or by `cursor`, the signed token of the last row the
previous page showed (workflows/read/cursor.py), which seeks straight to the next row however deep the
walk is. A case opened during a walk sorts before the cursor and is not shown again; a case changed
during a walk moves to the front (a new walk shows it).

`count` is counted on a page without a cursor, up to COUNT_CAP matching cases: past that it is
COUNT_CAP with `count_exact: false`. A page with a cursor does not count again: it carries the count of
the walk's first page. Docs: docs/contract.md §5.
"""

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from models.privacy import sees_whole_numbers, shown_to
from models.schemas import CasePublic, CasesPublic
from models.tables import Case, Deadline, Party
from workflows.access import Actor, visible_clause
from workflows.case_numbers import parse_case_no
from workflows.errors import PayloadInvalid
from workflows.read import cursor as cursors

COUNT_CAP = 10_000
"""Counting stops here: past it a list says "more than 10 000" (count_exact false)."""

CASES: sa.Table = Case.__table__  # type: ignore[attr-defined]
PARTIES: sa.Table = Party.__table__  # type: ignore[attr-defined]
DEADLINES: sa.Table = Deadline.__table__  # type: ignore[attr-defined]

# What CasePublic.of reads of a case, a party and a deadline (models/schemas.py, models/limitation.py).
CASE_COLUMNS = [
    CASES.c[name]
    for name in (
        "id",
        "case_no",
        "state",
        "version",
        "dispute_type",
        "channel",
        "region",
        "summary",
        "org_code",
        "mediator_code",
        "court_code",
        "arbitration_body_code",
        "claim_amount",
        "occurred_on",
        "arbitration_agreement",
        "status_matter",
        "referral",
        "agreement",
        "flags",
        "created_at",
        "updated_at",
        "next_duty_day",
        "commercial_mediation_chosen",
        "land_requisition",
        "domestic_violence",
        "arbitration",
        "confirmation",
    )
]
PARTY_COLUMNS = [
    PARTIES.c[name]
    for name in (
        "case_id",
        "position",
        "role",
        "kind",
        "name",
        "id_number",
        "uscc",
        "phone",
        "email",
        "address",
        "legal_representative",
        "agent",
    )
]
DEADLINE_COLUMNS = [
    DEADLINES.c[name]
    for name in (
        "case_id",
        "id",
        "kind",
        "profile",
        "start_date",
        "days",
        "working_days",
        "last_day",
        "due_at",
        "basis",
        "status",
        "provisional",
        "remaining_days",
        "ref",
        "interrupted_on",
        "created_at",
    )
]


@dataclass(frozen=True, slots=True)
class CaseFilters:
    state: str | None = None
    dispute_type: str | None = None
    org_code: str | None = None
    overdue: bool = False
    q: str | None = None
    offset: int = 0
    limit: int = 50
    flag: str | None = None  # a supervision flag, e.g. escalation_exhausted
    cursor: str | None = None  # the next_cursor of the previous page

    def key(self) -> tuple[object, ...]:
        """What selects the cases (not where a page starts or how long it is): a cursor is bound to it."""
        return (self.state, self.dispute_type, self.org_code, self.overdue, self.q, self.flag)


def filter_clauses(actor: Actor, f: CaseFilters, now: datetime) -> list[ColumnElement[bool]]:
    """The cases `actor` may see that match `f`: the scope (workflows.access) and every filter."""
    where = [visible_clause(actor)]
    if f.state:
        where.append(col(Case.state) == f.state)
    if f.dispute_type:
        where.append(col(Case.dispute_type) == f.dispute_type)
    if f.org_code:
        where.append(col(Case.org_code) == f.org_code)
    if f.flag:  # flags are a short JSON list of names: match the quoted name in its text
        where.append(sa.cast(Case.flags, sa.String).contains(f'"{f.flag}"', autoescape=True))
    if f.overdue:
        where.append(
            sa.exists().where(
                col(Deadline.case_id) == Case.id, col(Deadline.status) == "pending", col(Deadline.due_at) <= now
            )
        )
    if f.q:
        text = f.q.strip()
        exact = exact_identifier(text, actor)
        if exact is not None:
            where.append(exact)
            return where
        named = name_and_last_four(text, actor)  # 王芳 002X: also looked for as any text, as before
        party = [col(Party.name).contains(text, autoescape=True), col(Party.uscc) == text.upper()]
        if sees_whole_numbers(actor.role):  # a clerk may search by the full identity number or phone;
            # to a role that sees them masked the search would confirm a guess of the hidden digits
            party += [col(Party.id_number) == text.upper(), col(Party.phone) == text]
        where.append(
            sa.or_(
                *([named] if named is not None else []),
                col(Case.case_no).contains(text, autoescape=True),
                col(Case.summary).contains(text, autoescape=True),
                sa.exists().where(col(Party.case_id) == Case.id, sa.or_(*party)),
            )
        )
    return where


_ID_OR_CODE = re.compile(r"[0-9A-Z]{18}")  # a 身份证 number (17 digits and a digit or X) or a 统一社会信用代码


def exact_identifier(text: str, actor: Actor) -> ColumnElement[bool] | None:
    """A search for a whole case number, identity number or credit code, by its index — not a scan of every
    case's number and summary for the text (a province holds millions): None for any other text.

    - a case number （2026）330106调0001号 (ASCII brackets accepted) matches that case alone;
    - 18 letters and digits match the parties with that identity number or credit code. A role that sees
      identity numbers masked searches by credit code only (a hit would confirm a guess of the hidden digits).
    Such a text is then not looked for in summaries or names: none of them holds one as a name, and a number
    typed into a summary is found by the party it belongs to."""
    case_no = text.replace("(", "（").replace(")", "）")
    if parse_case_no(case_no) is not None:
        return col(Case.case_no) == case_no
    code = text.upper()
    if not _ID_OR_CODE.fullmatch(code):
        return None
    match = [col(Party.uscc) == code]
    if sees_whole_numbers(actor.role):
        match.append(col(Party.id_number) == code)
    return col(Case.id).in_(sa.select(col(Party.case_id)).where(sa.or_(*match)))


_NAME_AND_TAIL = re.compile(r"(?P<name>[^\d\s][^\d]{0,49}?)\s*(?P<tail>\d{3}[\dXx])")

# What a role that sees numbers masked (models.privacy) is shown of them: an identity number keeps its last
# four characters when it is longer than 10 (110105********002X), a phone its last four digits when it has
# more than 7 (138****5678, 0571****6666; phones are stored as digits alone, models.fields.validate_phone).
# Only numbers at least this long are matched by their last four for such a role, so a hit confirms
# nothing the role's own screens do not already print.
_MASKED_ID_SHOWS_TAIL = 11
_MASKED_PHONE_SHOWS_TAIL = 8


def name_and_last_four(text: str, actor: Actor) -> ColumnElement[bool] | None:
    """A search for a party by name and the last four characters of their identity number or phone
    (`王芳 002X`, `王芳 5678`, the space optional): the cases with a party whose name contains the name AND
    whose identity number or phone ends in those four — the same party, both at once. None for any other
    text. Every role may search so: the last four are what a masked role sees anyway (see above)."""
    m = _NAME_AND_TAIL.fullmatch(text)
    if m is None:
        return None
    name, tail = m.group("name").strip(), m.group("tail").upper()
    if not name:
        return None
    id_ends = col(Party.id_number).endswith(tail, autoescape=True)
    phone_ends = col(Party.phone).endswith(tail, autoescape=True)
    if not sees_whole_numbers(actor.role):
        id_ends = sa.and_(id_ends, sa.func.length(Party.id_number) >= _MASKED_ID_SHOWS_TAIL)
        phone_ends = sa.and_(phone_ends, sa.func.length(Party.phone) >= _MASKED_PHONE_SHOWS_TAIL)
    return sa.exists().where(
        col(Party.case_id) == Case.id,
        col(Party.name).contains(name, autoescape=True),
        sa.or_(id_ends, phone_ends),
    )


def count_capped(session: Session, where: Sequence[ColumnElement[bool]]) -> tuple[int, bool]:
    """How many cases match, counting no further than COUNT_CAP + 1: (count, exact)."""
    matching = sa.select(sa.literal(1)).select_from(CASES).where(*where).limit(COUNT_CAP + 1).subquery()
    n = session.connection().execute(sa.select(sa.func.count()).select_from(matching)).scalar_one()
    return (COUNT_CAP, False) if n > COUNT_CAP else (n, True)


def after(position: cursors.Position) -> ColumnElement[bool]:
    """The rows that sort after `position` (updated_at, id descending): one index range."""
    key = sa.tuple_(sa.literal(position.updated_at, CASES.c.updated_at.type), sa.literal(position.id, CASES.c.id.type))
    return sa.tuple_(CASES.c.updated_at, CASES.c.id) < key


def list_cases(session: Session, actor: Actor, f: CaseFilters, *, now: datetime | None = None) -> CasesPublic:
    now = now or datetime.now(UTC)
    where = filter_clauses(actor, f, now)
    fingerprint = cursors.fingerprint(actor, f.key())
    position = None
    if f.cursor:
        if f.offset:
            raise PayloadInvalid(["query", "offset"], "offset：使用 cursor 翻页时应为 0（或不传）")
        position = cursors.decode(f.cursor, fingerprint)
    page = sa.select(*CASE_COLUMNS).where(*where, *([after(position)] if position else []))
    rows = list(
        session.connection().execute(
            page.order_by(CASES.c.updated_at.desc(), CASES.c.id.desc()).offset(f.offset).limit(f.limit + 1)
        )
    )
    more = len(rows) > f.limit
    rows = rows[: f.limit]
    if position is not None:
        count, exact = position.count, position.count_exact
    elif not more and (rows or not f.offset):  # the last page: what precedes it and what it shows
        count, exact = f.offset + len(rows), True
    else:
        count, exact = count_capped(session, where)
    data = shown_to(actor.role, cases_public(session, rows))
    next_cursor = None
    if more:
        last = rows[-1]
        next_cursor = cursors.encode(cursors.Position(last.updated_at, last.id, count, exact), fingerprint)
    return CasesPublic(data=data, count=count, count_exact=exact, next_cursor=next_cursor)


def cases_public(session: Session, rows: Sequence[Any]) -> list[CasePublic]:
    """Case rows (CASE_COLUMNS) as the API shows them, with their parties and deadlines read in two
    queries for the whole page."""
    if not rows:
        return []
    ids = [r.id for r in rows]
    conn = session.connection()
    parties: dict[uuid.UUID, list[Any]] = {i: [] for i in ids}
    for p in conn.execute(
        sa.select(*PARTY_COLUMNS).where(PARTIES.c.case_id.in_(ids)).order_by(PARTIES.c.case_id, PARTIES.c.position)
    ):
        parties[p.case_id].append(p)
    deadlines: dict[uuid.UUID, list[Any]] = {i: [] for i in ids}
    for d in conn.execute(
        sa.select(*DEADLINE_COLUMNS)
        .where(DEADLINES.c.case_id.in_(ids))
        .order_by(DEADLINES.c.case_id, DEADLINES.c.created_at)
    ):
        deadlines[d.case_id].append(d)
    return [CasePublic.of(r, parties[r.id], deadlines[r.id]) for r in rows]
