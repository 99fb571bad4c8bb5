"""Entry script for ``talent app`` (the same as the repository's ``app.py``)."""

from talent.ui.app import main

main()
