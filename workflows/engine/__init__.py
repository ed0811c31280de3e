"""The engine: `fire`, the one write path for case state, and the primitives every writer uses."""

from workflows.engine.transition import allowed_triggers, fire, record_clock_change, snapshot

__all__ = ["allowed_triggers", "fire", "record_clock_change", "snapshot"]
