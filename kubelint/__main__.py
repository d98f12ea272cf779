"""`python -m kubelint` runs the command line."""

from kubelint.cli import main

main()
