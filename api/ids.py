"""Record ids in API paths, typed as UUIDs.

They are parsed by `uuid.UUID`, as the services parse them, so a path accepts exactly the spellings of
an id it always did. A malformed id answers 404 like an unknown one (api/errors.py, MALFORMED_ID)."""

import uuid
from typing import Annotated

from pydantic import BeforeValidator


def _parse(value: object) -> object:
    return uuid.UUID(value) if isinstance(value, str) else value


RecordId = Annotated[uuid.UUID, BeforeValidator(_parse)]
