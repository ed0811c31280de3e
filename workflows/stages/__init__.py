"""Each trigger's behaviour in one entry, beside the table row that says who may fire it and when.

`STAGES[trigger]` is a `Stage`: the payload model, how what it names is resolved, its effects on the
case, its clocks and the outboxes, and the documents it produces. `states.table.TABLE` decides
legality; these entries decide consequences. `tests/workflows/test_stages.py` fails when the two
disagree (a trigger without an entry, an entry for no trigger, payload fields unlike the row's).
"""

from collections.abc import Mapping
from types import MappingProxyType

from states.enums import Trigger
from workflows.stages import arbitration, closing, confirmation, court, diversion, mediation, portal, referral
from workflows.stages.base import Context, Payload, Stage
from workflows.stages.closing import on_enter

STAGES: Mapping[Trigger, Stage] = MappingProxyType(
    {
        s.trigger: s
        for module in (diversion, mediation, portal, confirmation, court, arbitration, referral, closing)
        for s in module.STAGES
    }
)


def produces_documents(trigger: Trigger) -> bool:
    return bool(STAGES[trigger].documents)


__all__ = ["STAGES", "Context", "Payload", "Stage", "on_enter", "produces_documents"]
