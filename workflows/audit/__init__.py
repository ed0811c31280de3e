"""The audit log: a per-case hash chain of events (`chain`), and its verification (`verify`).

Every event is appended by `workflows.engine.write.append_event`; nothing else writes the log.
"""

from workflows.audit.chain import GENESIS, canonical, event_hash
from workflows.audit.verify import Break, verify

__all__ = ["GENESIS", "Break", "canonical", "event_hash", "verify"]
