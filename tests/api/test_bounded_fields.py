"""Every number and date a request carries is bounded at the edge (issue 13: "no 5xx, ever").

A date in 9998 overflowed the enforcement clock counted from it, a signing time in the year 1 overflowed
its time-zone conversion, a 5,000-digit number tied up `int`: each was a 500. So every integer a request
may carry has a lower and an upper bound, every date and time is one of the bounded types of
models/fields.py, and every amount is `Money` — in every request model (intake, organizations, each
trigger's payload, the court's receipt) and every query, path and header parameter. A new field without
a bound fails here before it reaches a clock."""

from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, TypeAdapter

from api.app import create_app
from api.routers.court import Receipt
from models import fields
from models.org_schemas import OrganizationCreate, OrganizationPatch
from models.schemas import CaseCreate
from workflows.stages import STAGES

# The validators that bound a date, a time or an amount (models/fields.py).
BOUNDING = {
    "date": {fields._event_date, fields._record_date, fields._due_date, fields._reported_date},
    "datetime": {fields._record_time, fields._clock_time},
    "decimal": {fields._money},
}

REQUEST_MODELS: dict[str, type[BaseModel]] = {
    "CaseCreate": CaseCreate,
    "OrganizationCreate": OrganizationCreate,
    "OrganizationPatch": OrganizationPatch,
    "Receipt": Receipt,
    **{f"payload of {trigger}": stage.payload for trigger, stage in STAGES.items()},
}


def unbounded(schema: Any, where: str = "", bound_by: object = None) -> Iterator[str]:
    """The numbers and dates in a pydantic core schema that nothing bounds."""
    if isinstance(schema, list):
        for item in schema:
            yield from unbounded(item, where)
        return
    if not isinstance(schema, dict):
        return
    kind = schema.get("type")
    here = f"{where}.{schema['name']}" if kind in ("model-field", "typed-dict-field") and "name" in schema else where
    if kind == "int" and not (("ge" in schema or "gt" in schema) and ("le" in schema or "lt" in schema)):
        yield f"{here or '<int>'}: an integer without both bounds: {schema}"
    if kind in BOUNDING and bound_by not in BOUNDING[kind]:
        yield f"{here or '<' + kind + '>'}: a {kind} not bounded by models/fields.py"
    function = schema.get("function", {}).get("function") if kind == "function-after" else None
    for key, value in schema.items():
        if key == "fields" and isinstance(value, dict):  # model fields: name them
            for name, field in value.items():
                yield from unbounded(field, f"{where}.{name}")
        elif key != "function":
            yield from unbounded(value, here, function if key == "schema" else None)


@pytest.mark.parametrize("name", list(REQUEST_MODELS))
def test_every_number_and_date_of_a_request_model_is_bounded(name):
    assert list(unbounded(REQUEST_MODELS[name].__pydantic_core_schema__, name)) == []


def _parameters() -> Iterator[tuple[str, Any]]:
    for context in iter_route_contexts(create_app().routes):
        route = context.original_route
        if isinstance(route, APIRoute) and route.include_in_schema:
            dependant = route.dependant
            params = [*dependant.query_params, *dependant.path_params, *dependant.header_params]
            params += [p for sub in dependant.dependencies for p in sub.query_params]
            for param in params:
                info = param.field_info
                annotation = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
                yield f"{context.path} {param.name}", annotation


@pytest.mark.parametrize(("where", "annotation"), list(_parameters()), ids=lambda x: x if isinstance(x, str) else "")
def test_every_number_and_date_of_a_parameter_is_bounded(where, annotation):
    assert list(unbounded(TypeAdapter(annotation).core_schema, where)) == []


def test_the_check_finds_an_unbounded_date_and_integer():
    """The walk itself: a plain `date`, an `int` with one bound and a bare `Decimal` are reported."""
    from datetime import date
    from decimal import Decimal

    from pydantic import Field

    class Loose(BaseModel):
        day: date
        count: Annotated[int, Field(strict=True, ge=0)]
        amount: Decimal
        fine: fields.ReportedDate

    found = list(unbounded(Loose.__pydantic_core_schema__, "Loose"))

    assert [f.split(":")[0] for f in found] == ["Loose.day", "Loose.count", "Loose.amount"]
