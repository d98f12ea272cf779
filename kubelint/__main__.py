"""`python -m kubelint` runs the command line."""

from kubelint.launch import main

main()
