"""API schemas for one's own account: changing one's password, and the notice answered."""

from pydantic import BaseModel, ConfigDict, Field

from models.passwords import PASSWORD_MAX_LENGTH


class PasswordChange(BaseModel):
    """`POST /api/v1/auth/password` (docs/contract.md §3)."""

    model_config = ConfigDict(extra="forbid")

    old_password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)
    new_password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)


class Notice(BaseModel):
    """A sentence for the person at the screen."""

    detail: str
