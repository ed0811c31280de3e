"""The audit log: a per-case chain of events keyed with the audit key (`chain`, `keys`), anchored by
signed checkpoints outside the database (`checkpoint`), and its verification (`verify`): every chain,
every case row against what its events say (`replay`, `parties`), the checkpoints, the case numbers.

Every event is appended by `workflows.engine.write.append_event`; nothing else writes the log.
"""

from workflows.audit.chain import GENESIS, canonical, event_hash, legacy_hash
from workflows.audit.checkpoint import Break, CheckpointRefused, write_checkpoint
from workflows.audit.keys import AuditKeyError, load_keys
from workflows.audit.verify import Report, check, verify

__all__ = [
    "GENESIS",
    "AuditKeyError",
    "Break",
    "CheckpointRefused",
    "Report",
    "canonical",
    "check",
    "event_hash",
    "legacy_hash",
    "load_keys",
    "verify",
    "write_checkpoint",
]
