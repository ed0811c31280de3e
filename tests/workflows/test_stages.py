"""The table says who may fire a trigger and when; its stage entry says what it does. They must agree."""

import pytest

from states.enums import Trigger
from states.labels import DOCUMENT_TITLES as TITLES
from states.table import TABLE
from workflows.stages import STAGES, produces_documents

ROWS = {row.trigger: row for row in TABLE}


def test_every_trigger_of_the_table_has_a_stage_entry_and_no_entry_names_another():
    assert set(ROWS) - set(STAGES) == set(), "triggers of the table without a stage entry"
    assert set(STAGES) - set(ROWS) == set(), "stage entries for triggers the table lacks"


@pytest.mark.parametrize("trigger", list(ROWS), ids=str)
def test_each_entry_is_filed_under_its_own_trigger(trigger):
    assert STAGES[trigger].trigger is trigger


@pytest.mark.parametrize("trigger", list(ROWS), ids=str)
def test_the_payload_model_has_the_fields_the_row_names(trigger):
    row, fields = ROWS[trigger], STAGES[trigger].payload.model_fields
    required = {name for name, f in fields.items() if f.is_required()}
    assert set(row.required) == required, f"{trigger}: required fields differ from the table row"
    assert set(row.optional) == set(fields) - required, f"{trigger}: optional fields differ from the table row"


@pytest.mark.parametrize("trigger", list(ROWS), ids=str)
def test_documents_named_by_an_entry_are_kinds_the_renderer_knows(trigger):
    assert set(STAGES[trigger].documents) <= set(TITLES)


def test_the_documents_produced_are_those_of_the_contract():
    produced = {str(t): STAGES[t].documents for t in Trigger if produces_documents(t)}
    assert produced == {
        "divert": ("acceptance_notice",),
        "reach_agreement": ("mediation_agreement",),
        "request_confirmation": ("confirmation_application",),
        "reapply_confirmation": ("confirmation_application",),
        "fail": ("termination_notice",),
        "mediation_timeout": ("termination_notice",),
    }
