"""The engine: `fire`, the one write path for case state, and the two primitives every writer of a
case uses, `lock_case` and `append_event` (workflows.engine.write).

`from workflows import engine; engine.fire(...)` works without importing the stages at package
import time: the write primitives sit below the stages and outboxes that use them, and `fire` above.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workflows.engine.transition import allowed_triggers, fire, record_clock_change, snapshot

__all__ = ["allowed_triggers", "fire", "record_clock_change", "snapshot"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from workflows.engine import transition

        return getattr(transition, name)
    raise AttributeError(f"module 'workflows.engine' has no attribute {name!r}")
