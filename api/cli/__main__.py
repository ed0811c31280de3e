"""`python -m api.cli`: the same as the `jiefen` console script."""

from api.cli import main

main()
