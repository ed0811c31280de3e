"""Read-side services of diversion (分流): a case's routing record, possible duplicates at intake,
and the replay of a rules file over the existing cases (which changes nothing)."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.org_schemas import RoutingPublic, RoutingStepPublic
from models.privacy import shown_to
from models.schemas import DuplicatePublic
from models.tables import Case, CaseEvent, Party
from states.enums import State, Trigger
from workflows.access import Actor, get_visible_case, visible_clause
from workflows.routing.decide import facts_of, route
from workflows.routing.directory import Directory, load_directory, open_counts
from workflows.routing.rules import RuleSet, active_rules

ROUTING_TRIGGERS = (Trigger.DIVERT, Trigger.DECLINE, Trigger.ESCALATE, Trigger.DIVERSION_TIMEOUT, Trigger.ACCEPT)


def routing_record(session: Session, actor: Actor, case_id: str | uuid.UUID) -> RoutingPublic:
    """GET /api/v1/cases/{id}/routing: scoped like the case (404 when not visible)."""
    case = get_visible_case(session, actor, case_id)
    rows = session.exec(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, col(CaseEvent.trigger).in_([str(t) for t in ROUTING_TRIGGERS]))
        .order_by(col(CaseEvent.seq))
    ).all()
    steps = []
    for e in rows:
        p = e.payload or {}
        steps.append(
            RoutingStepPublic(
                seq=e.seq,
                at=e.at,
                actor=e.actor,
                trigger=e.trigger,
                from_state=e.from_state,
                to_state=e.to_state,
                from_org_code=p.get("from_org_code"),
                org_code=p.get("org_code"),
                routing=p.get("routing"),
                escalation=p.get("escalation"),
                stationing=p.get("stationing"),
                mediator_choice=p.get("mediator_choice"),
                flag=p.get("flag"),
            )
        )
    record = RoutingPublic(
        case_id=case.id,
        case_no=case.case_no,
        state=case.state,
        org_code=case.org_code,
        mediator_code=case.mediator_code,
        next_duty_day=case.next_duty_day,
        flags=list(case.flags or []),
        passed_org_codes=list(case.passed_org_codes or []),
        profile=active_rules().label,
        steps=steps,
    )
    return shown_to(actor.role, record)  # the reasons given are free text


def possible_duplicates(
    session: Session, *, actor: Actor, case: Case, now: datetime | None = None, rules: RuleSet | None = None
) -> list[DuplicatePublic]:
    """Open cases the caller may see, of the same dispute type, opened within the profile's window,
    with a party of the same identity number or credit code: perhaps the same dispute arriving by
    another channel (window, hotline, grid, court). Nothing is merged: the clerk decides."""
    rules = rules or active_rules()
    now = now or datetime.now(UTC)
    since = now - timedelta(days=rules.settings.duplicate_window_days)
    mine = session.exec(select(Party).where(Party.case_id == case.id).order_by(col(Party.position))).all()
    ids = {p.id_number: p.position for p in mine if p.id_number}
    usccs = {p.uscc: p.position for p in mine if p.uscc}
    if not ids and not usccs:
        return []
    match = []
    if ids:
        match.append(col(Party.id_number).in_(sorted(ids)))
    if usccs:
        match.append(col(Party.uscc).in_(sorted(usccs)))
    # Columns, not Case objects: a respondent with many open cases (a factory owing 200 workers their wages)
    # matches up to 200 rows on every intake naming it.
    rows = (
        session.connection()
        .execute(
            sa.select(
                *(col(c) for c in (Case.id, Case.case_no, Case.state, Case.dispute_type, Case.channel, Case.org_code)),
                col(Case.created_at),
                col(Party.id_number),
                col(Party.uscc),
            )
            .join(Party, col(Party.case_id) == Case.id)
            .where(
                col(Case.id) != case.id,
                col(Case.dispute_type) == case.dispute_type,
                col(Case.state) != State.CLOSED,
                col(Case.created_at) >= since,
                sa.or_(*match),
                visible_clause(actor),
            )
            .order_by(col(Case.created_at), col(Case.id))
            .limit(200)
        )
        .all()
    )
    found: dict[uuid.UUID, DuplicatePublic] = {}
    for other in rows:
        id_number, uscc = other.id_number, other.uscc
        # The party matched by one of the two numbers: by its credit code when not by its identity number.
        how = f"id_number:{ids[id_number]}" if id_number in ids else f"uscc:{usccs[cast(str, uscc)]}"
        dup = found.get(other.id)
        if dup is None:
            found[other.id] = DuplicatePublic(
                id=other.id,
                case_no=other.case_no,
                state=other.state,
                dispute_type=other.dispute_type,
                channel=other.channel,
                org_code=other.org_code,
                created_at=other.created_at,
                matched=[how],
            )
        elif how not in dup.matched:
            dup.matched.append(how)
    return list(found.values())


def duplicates_before_intake(
    session: Session,
    *,
    actor: Actor,
    dispute_type: str,
    id_numbers: list[str],
    usccs: list[str],
    now: datetime | None = None,
) -> list[DuplicatePublic]:
    """The same search as `possible_duplicates`, for a case not saved yet (the window's form shows it
    before saving). Numbers are the validated ones; `matched` names the kind of number only."""
    rules = active_rules()
    now = now or datetime.now(UTC)
    since = now - timedelta(days=rules.settings.duplicate_window_days)
    match = []
    if id_numbers:
        match.append(col(Party.id_number).in_(sorted(set(id_numbers))))
    if usccs:
        match.append(col(Party.uscc).in_(sorted(set(usccs))))
    if not match:
        return []
    rows = session.exec(
        select(Case, Party.id_number)
        .join(Party, col(Party.case_id) == Case.id)
        .where(
            Case.dispute_type == dispute_type,
            Case.state != State.CLOSED,
            Case.created_at >= since,
            sa.or_(*match),
            visible_clause(actor),
        )
        .order_by(col(Case.created_at), col(Case.id))
        .limit(50)
    ).all()
    found: dict[uuid.UUID, DuplicatePublic] = {}
    for other, id_number in rows:
        how = "id_number" if id_number in id_numbers else "uscc"
        if other.id not in found:
            found[other.id] = DuplicatePublic(
                id=other.id,
                case_no=other.case_no,
                state=other.state,
                dispute_type=other.dispute_type,
                channel=other.channel,
                org_code=other.org_code,
                created_at=other.created_at,
                matched=[how],
            )
    return list(found.values())


# --- replay -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReplayRow:
    case_id: uuid.UUID
    case_no: str
    state: str
    dispute_type: str
    old_rule: str | None  # the rule that chose at the (first) divert; "named" when a clerk named the body
    old_org: str | None
    new_rule: str
    new_org: str | None
    current_org: str | None

    @property
    def outcome(self) -> str:
        """same | differs | not_diverted (the case was never diverted: where it would go)."""
        if self.old_rule is None:
            return "not_diverted"
        return "same" if self.old_org == self.new_org else "differs"

    @property
    def changed(self) -> bool:
        return self.outcome == "differs"

    def as_dict(self) -> dict[str, Any]:
        return {
            "case_id": str(self.case_id),
            "case_no": self.case_no,
            "state": self.state,
            "dispute_type": self.dispute_type,
            "old_rule": self.old_rule,
            "old_org": self.old_org,
            "new_rule": self.new_rule,
            "new_org": self.new_org,
            "current_org": self.current_org,
            "outcome": self.outcome,
        }


def replay(session: Session, rules: RuleSet, *, batch: int = 500) -> Iterator[ReplayRow]:
    """Where `rules` would have sent each existing case, against where it was sent. Read-only: the
    cases are read in batches (by id) in a transaction that is rolled back; nothing is written.
    Capacity is judged on today's open cases, not counting the case itself."""
    directory: Directory = load_directory(session)
    after: uuid.UUID | None = None
    try:
        while True:
            q = select(Case).order_by(col(Case.id)).limit(batch)
            if after is not None:
                q = q.where(Case.id > after)
            cases = session.exec(q).all()
            if not cases:
                return
            after = cases[-1].id
            firsts: dict[uuid.UUID, dict[str, Any]] = {}
            for e in session.exec(
                select(CaseEvent)
                .where(
                    col(CaseEvent.case_id).in_([c.id for c in cases]),
                    CaseEvent.trigger == str(Trigger.DIVERT),
                )
                .order_by(col(CaseEvent.seq))
            ):
                firsts.setdefault(e.case_id, e.payload or {})
            for c in cases:
                facts = facts_of(session, c)
                facts = replace(facts, passed=frozenset())
                load = open_counts(
                    session,
                    (o.code for o in directory.relevant(facts.region, facts.referral_court)),
                    rules.settings.open_states,
                    exclude_case=c.id,
                )
                decision = route(facts, directory, rules, load)
                first = firsts.get(c.id)
                routing = (first or {}).get("routing") or {}
                yield ReplayRow(
                    c.id,
                    c.case_no,
                    c.state,
                    c.dispute_type,
                    routing.get("rule") if first else None,
                    (first or {}).get("org_code") if first else None,
                    decision.rule,
                    decision.org_code,
                    c.org_code,
                )
    finally:
        session.rollback()
