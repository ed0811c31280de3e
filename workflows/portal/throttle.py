"""The portal's throttles: fixed windows counted in the database (every process sees one count), as the login
throttle does (workflows/accounts/throttle.py), for what a visitor without an account may ask for.

`take` counts one request against each of its keys in one write transaction (an atomic upsert each, so
concurrent requests are all counted) and answers how long to wait when any key is over its limit. A request
refused still counts: hammering does not shorten the wait, and the window never moves (it opens at the first
request of the key). Keys are keyed hashes: no phone, case code or address is stored.
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Session, col, delete

from models.db import insert_for, write_transaction
from models.public_codes import keyed_hash
from models.settings import Settings
from models.tables import PortalHit
from models.types import UTCDateTime

HITS = PortalHit.__table__  # type: ignore[attr-defined]
LONGEST_WINDOW = timedelta(hours=1)


class Scope(StrEnum):
    SEND_MINUTE = "send_minute"  # codes sent to one phone
    SEND_HOUR = "send_hour"
    LOOKUP_CODE = "lookup_code"  # lookups of one case code
    LOOKUP_ADDRESS = "lookup_address"  # lookups from one client address
    VERIFY_ADDRESS = "verify_address"  # one-time codes tried from one client address
    APPLY_ADDRESS = "apply_address"  # codes asked for to apply online, from one client address


@dataclass(frozen=True, slots=True)
class Limit:
    limit: int
    seconds: int


def limits(settings: Settings) -> dict[Scope, Limit]:
    window = settings.portal_window_seconds
    return {
        Scope.SEND_MINUTE: Limit(1, settings.otp_send_interval_seconds),
        Scope.SEND_HOUR: Limit(settings.otp_sends_per_hour, 3600),
        Scope.LOOKUP_CODE: Limit(settings.portal_lookups_per_code, window),
        Scope.LOOKUP_ADDRESS: Limit(settings.portal_lookups_per_address, window),
        Scope.VERIFY_ADDRESS: Limit(settings.portal_verifications_per_address, window),
        Scope.APPLY_ADDRESS: Limit(settings.portal_applications_per_address, window),
    }


class TooMany(Exception):
    """Over a portal limit: answered 429 with Retry-After."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"请求过于频繁，请{retry_after}秒后再试")
        self.retry_after = retry_after


def take(session: Session, settings: Settings, hits: list[tuple[Scope, str]], *, now: datetime) -> None:
    """Count one request against each (scope, value); raise TooMany (the longest wait) when any is over."""
    table_limits = limits(settings)
    wait = 0.0
    with write_transaction(session) as conn:
        for scope, value in hits:
            lim = table_limits[scope]
            cutoff = now - timedelta(seconds=lim.seconds)
            ended = HITS.c.window_start <= sa.bindparam("cutoff", cutoff, type_=UTCDateTime())
            started = sa.bindparam("now", now, type_=UTCDateTime())
            stmt = (
                insert_for(conn)(HITS)
                .values(scope=scope.value, key=keyed_hash(settings, "throttle", value), count=1, window_start=now)
                .on_conflict_do_update(
                    index_elements=["scope", "key"],
                    set_={
                        "count": sa.case((ended, 1), else_=HITS.c.count + 1),
                        "window_start": sa.case((ended, started), else_=HITS.c.window_start),
                    },
                )
                .returning(HITS.c.count, HITS.c.window_start)
            )
            count, start = conn.execute(stmt).one()
            if count > lim.limit:
                start = start if start.tzinfo else start.replace(tzinfo=UTC)
                wait = max(wait, (start - now).total_seconds() + lim.seconds)
        conn.execute(delete(PortalHit).where(col(PortalHit.window_start) <= now - LONGEST_WINDOW))
    if wait > 0:
        raise TooMany(max(1, math.ceil(wait)))
