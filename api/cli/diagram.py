"""`jiefen diagram`: the case lifecycle as a diagram."""

import sys


def diagram() -> None:
    """Print the lifecycle as a Mermaid stateDiagram-v2."""
    from states.diagram import mermaid

    sys.stdout.write(mermaid())
