"""The app's server process: Streamlit's own command line (``python -m talent.ui.server
run ENTRY --flags`` is ``streamlit run ENTRY --flags``), with the modules the first page
needs imported in the background while the server starts.

Streamlit runs no app code before a browser connects, and the ranking's libraries load
on first use (:mod:`talent.lazy`), so without this the first visitor after a start
would wait for scikit-learn, SciPy and the app's own modules (about 2 s) on top of the
page. Importing them here costs the same once, before anyone waits for it; a page that
asks for a module still being imported waits for that import, never loads it twice.
"""

from __future__ import annotations

import importlib
import threading
import time

# What the pages and the ranking base import, heaviest first. A module left off this
# list is imported by the first page that needs it, as before.
PRELOAD = (
    "sklearn.linear_model",
    "sklearn.feature_extraction.text",
    "sklearn.preprocessing",
    "sklearn.pipeline",
    "sklearn.cluster",
    "scipy.optimize",
    "scipy.sparse",
    "networkx",
    "altair",
    "talent.ui.app",
    "talent.ranking.scoring",
    "talent.ranking.skills",
    "talent.ranking.rising",
    "talent.ranking.components",
    "talent.ranking.learning",
)


def preload(modules: tuple[str, ...] = PRELOAD) -> list[str]:
    """Import ``modules``; the names of those that could not be imported (the page that
    needs one reports its error, in its own words, when it imports it)."""
    failed = []
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # a speed-up only: the page that needs it imports it again
            failed.append(name)
    return failed


def preload_when_started(wait_s: float = 120.0) -> None:
    """:func:`preload` once Streamlit's runtime exists: the server starts first, and
    the app's cached functions are declared where their caches will live (declared
    before, Streamlit warns that it has no runtime to keep them in)."""
    from streamlit import runtime

    deadline = time.monotonic() + wait_s
    while not runtime.exists():
        if time.monotonic() > deadline:
            return
        time.sleep(0.05)
    preload()


def main() -> None:
    from streamlit.web.cli import main as streamlit_main

    threading.Thread(target=preload_when_started, name="talent-preload", daemon=True).start()
    streamlit_main(prog_name="streamlit")


if __name__ == "__main__":
    main()
