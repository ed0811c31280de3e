"""API schemas of a member of staff's messages (消息): GET /api/v1/inbox and the marks read."""

import uuid

from pydantic import BaseModel, Field

from models.fields import LocalDateTime


class StaffMessagePublic(BaseModel):
    """One message: what it is about (`kind`: assigned 案件分派 | reminder 期限提醒 | court_ruling 法院裁定 |
    push_failed 推送失败), its case, where it leads in the web interface, and whether it was read."""

    id: int
    kind: str
    case_id: uuid.UUID | None
    title: str
    body: str
    link: str | None
    created_at: LocalDateTime
    read_at: LocalDateTime | None


class InboxPage(BaseModel):
    data: list[StaffMessagePublic]
    count: int = Field(description="the caller's messages matching the query (unread ones with unread=true)")
    unread: int = Field(description="the caller's unread messages")
    next_cursor: str | None = Field(default=None, description="pass as cursor to read the next page")


class MarkedRead(BaseModel):
    marked: int = Field(description="how many messages were marked read")
    unread: int
