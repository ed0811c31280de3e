"""Loading organizations, courts, mediators and users from a seed file (the contract, docs/contract.md §2).

The file is the truth for what it lists: each entry is matched by its code (users: username),
created when missing and brought up to date when present — a field the entry leaves out goes back
to its default. Rows the file does not mention are left alone.

The whole file is checked before anything is written (models/seed/check.py: shape, vocabularies,
references against the file and the database), and the writes happen in one transaction, so a bad
file changes nothing.
"""

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models.db import write_transaction
from models.passwords import password_problem
from models.security import hash_password, needs_rehash, verify_password
from models.seed.check import SECTIONS, Plan, SeedError, check_references, parse
from models.settings import Settings, get_settings
from models.tables import Mediator, Organization, User
from models.types import utcnow


@dataclass(slots=True)
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


@dataclass(slots=True)
class SeedReport:
    """What a load did, per section of the file."""

    organizations: Counts = field(default_factory=Counts)
    courts: Counts = field(default_factory=Counts)
    mediators: Counts = field(default_factory=Counts)
    users: Counts = field(default_factory=Counts)

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated for c in self.sections().values())

    def sections(self) -> dict[str, Counts]:
        return {name: getattr(self, name) for name in SECTIONS}

    def __str__(self) -> str:
        return "; ".join(f"{name}: {counts}" for name, counts in self.sections().items())


# --- writing ----------------------------------------------------------------------------------------


def _update(row: Any, values: Mapping[str, Any]) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


def _apply(session: Session, plan: Plan) -> SeedReport:
    report = SeedReport()
    db_orgs = {o.code: o for o in session.exec(select(Organization)).all()}
    med_codes = {m.code for m in plan.mediators} | {u.mediator for u in plan.users if u.mediator}
    db_mediators = (
        {m.code: m for m in session.exec(select(Mediator).where(col(Mediator.code).in_(sorted(med_codes)))).all()}
        if med_codes
        else {}
    )
    usernames = sorted(u.username for u in plan.users)
    db_users = (
        {u.username: u for u in session.exec(select(User).where(col(User.username).in_(usernames))).all()}
        if usernames
        else {}
    )
    check_references(plan, db_orgs, db_mediators)

    now = utcnow()
    for spec in plan.orgs:
        counts: Counts = getattr(report, spec.section)
        org = db_orgs.get(spec.code)
        if org is None:
            session.add(Organization(code=spec.code, created_at=now, updated_at=now, **spec.values))
            counts.created += 1
        elif _update(org, spec.values):
            org.updated_at = now
            counts.updated += 1
        else:
            counts.unchanged += 1
    session.flush()  # organizations before the mediators and users that refer to them

    for med_spec in plan.mediators:
        med = db_mediators.get(med_spec.code)
        if med is None:
            session.add(Mediator(code=med_spec.code, created_at=now, **med_spec.values))
            report.mediators.created += 1
        elif _update(med, med_spec.values):
            report.mediators.updated += 1
        else:
            report.mediators.unchanged += 1
    session.flush()

    for user_spec in plan.users:
        user = db_users.get(user_spec.username)
        if user is None:
            session.add(
                User(
                    username=user_spec.username,
                    password_hash=hash_password(user_spec.password),
                    created_at=now,
                    **user_spec.values,
                )
            )
            report.users.created += 1
            continue
        changed = _update(user, user_spec.values)
        if not verify_password(user.password_hash, user_spec.password):
            user.password_hash = hash_password(user_spec.password)
            user.token_epoch += 1  # a new password ends the sessions begun with the old one
            changed = True
        elif needs_rehash(user.password_hash):
            user.password_hash = hash_password(user_spec.password)
            changed = True
        if changed:
            report.users.updated += 1
        else:
            report.users.unchanged += 1
    session.flush()
    return report


# --- entry points -----------------------------------------------------------------------------------


def _check_passwords(plan: Plan, settings: Settings) -> None:
    """Production refuses weak passwords (models/passwords.py); the error names the user, never the password."""
    for spec in plan.users:
        problem = password_problem(spec.password, settings=settings, username=spec.username)
        if problem is not None:
            raise SeedError(f"{spec.label}: password refused: {problem}", entry=spec.label)


WebhookRefusal = Callable[[str], str | None]
"""Why a court's webhook URL may not be used, or None (workflows.outbox.webhook_address.configured_refusal:
the rules the organizations API applies; models may not import it, so the caller hands it in)."""


def _check_webhooks(plan: Plan, refusal: WebhookRefusal | None) -> None:
    """A court's webhook in a seed follows the address rules of the API (no metadata, loopback or, unless the
    courts' network is one, private address); a caller that cannot check them loads no webhook."""
    for spec in plan.orgs:
        url = spec.values.get("webhook_url")
        if not url:
            continue
        if refusal is None:
            raise SeedError(f"{spec.label}: webhook_url: load this seed with `jiefen seed`, which checks the address")
        if (reason := refusal(url)) is not None:
            raise SeedError(f"{spec.label}: webhook_url refused: {reason}", entry=spec.label)


def load_seed(
    session: Session,
    data: Mapping[str, Any],
    *,
    settings: Settings | None = None,
    webhook_refusal: WebhookRefusal | None = None,
) -> SeedReport:
    """Load a parsed seed (the mapping a seed file holds) in one write transaction.

    Raises SeedError, naming the entry, if anything in it is invalid; then nothing is written.
    """
    plan = parse(data)
    _check_passwords(plan, settings or get_settings())
    _check_webhooks(plan, webhook_refusal)
    try:
        with write_transaction(session):
            return _apply(session, plan)
    except IntegrityError as e:  # a concurrent writer got there first; the transaction was rolled back
        raise SeedError(f"the database refused the seed: {e.orig}") from e


def load_seed_file(
    session: Session,
    path: str | os.PathLike[str],
    *,
    settings: Settings | None = None,
    webhook_refusal: WebhookRefusal | None = None,
) -> SeedReport:
    """Read a YAML seed file (yaml.safe_load) and load it with `load_seed`; errors name the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise SeedError(f"{path}: not UTF-8 text (byte {e.start})") from e
    except OSError as e:
        raise SeedError(f"{path}: cannot read: {e.strerror or e}") from e
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise SeedError(f"{path}: {_yaml_problem(e)}") from e
    if data is None:
        raise SeedError(f"{path}: the seed file is empty")
    try:
        return load_seed(session, data, settings=settings, webhook_refusal=webhook_refusal)
    except SeedError as e:
        raise SeedError(f"{path}: {e}", entry=e.entry) from e


def _yaml_problem(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or getattr(error, "context", None) or str(error)
    if mark is None:
        return f"YAML syntax error: {problem}"
    return f"YAML syntax error at line {mark.line + 1}, column {mark.column + 1}: {problem}"
