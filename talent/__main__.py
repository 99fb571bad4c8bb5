"""``python -m talent``: the same as the ``talent`` command."""

from talent.cli import main

main()
