"""The lifecycle rendered as Mermaid `stateDiagram-v2`, derived from the table."""

from states.enums import State
from states.table import TABLE


def mermaid() -> str:
    lines = ["stateDiagram-v2", f"    [*] --> {State.INTAKE}"]
    for row in TABLE:
        for src in row.source:
            lines.append(f"    {src} --> {row.dest} : {row.trigger}")
            for condition, dest in row.alternatives:
                lines.append(f"    {src} --> {dest} : {row.trigger} [{condition}]")
    lines.append(f"    {State.CLOSED} --> [*]")
    return "\n".join(lines) + "\n"
