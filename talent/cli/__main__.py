"""``python -m talent.cli``: the same as ``talent``."""

from talent.cli import main

main()
