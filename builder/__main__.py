"""`python -m builder` runs the `rutin` command line."""

from builder.cli import main

main()
