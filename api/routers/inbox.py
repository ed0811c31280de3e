"""A member of staff's messages in the app (消息): their own only; another's is 404, as if it did not exist."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import ActorDep, SessionDep
from models.inbox_schemas import InboxPage, MarkedRead, StaffMessagePublic
from workflows.read import inbox

router = APIRouter(prefix="/api/v1/inbox", tags=["inbox"])

CURSOR = "the previous page's next_cursor, to read the page after it (with the same unread filter)"


@router.get("", response_model=InboxPage)
def list_inbox(
    session: SessionDep,
    actor: ActorDep,
    unread: Annotated[bool, Query(description="only the messages not read yet")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=64, description=CURSOR)] = None,
) -> InboxPage:
    """The caller's messages, newest first, with how many there are and how many are unread."""
    page = inbox.list_messages(session, actor.name, unread_only=unread, limit=limit, cursor=cursor or None)
    return InboxPage(
        data=[StaffMessagePublic.model_validate(m) for m in page.data],
        count=page.count,
        unread=page.unread,
        next_cursor=page.next_cursor,
    )


@router.post("/read-all", response_model=MarkedRead)
def read_all(session: SessionDep, actor: ActorDep) -> MarkedRead:
    """Mark every unread message of the caller read."""
    marked = inbox.mark_all_read(session, actor.name)
    return MarkedRead(marked=marked, unread=inbox.unread_count(session, actor.name))


@router.post("/{message_id}/read", response_model=StaffMessagePublic)
def read_one(
    session: SessionDep, actor: ActorDep, message_id: Annotated[int, Path(ge=1, le=2**63 - 1)]
) -> StaffMessagePublic:
    """Mark one of the caller's messages read (404 for a message that is not theirs)."""
    return StaffMessagePublic.model_validate(inbox.mark_read(session, actor.name, message_id))
