"""The app's pages: each page file with its title, icon and the permission that opens
it, in the order the navigation shows them. Plain data, no Streamlit: the router
(``talent.ui.app``) and the widgets that link to a page both read it."""

from __future__ import annotations

from pathlib import Path

PAGES = Path(__file__).parent / "pages"
CANDIDATES = PAGES / "candidates.py"
CANDIDATE = PAGES / "candidate.py"
MAINTAINERS = PAGES / "maintainers.py"
SHORTLISTS = PAGES / "shortlists.py"
NETWORK = PAGES / "network.py"
ACCESS_LOG = PAGES / "access_log.py"
# Every page: its file, title, icon and the permission that opens it
# (talent.views.access.PERMISSIONS); the first one a viewer may open is their home page.
NAVIGATION = (
    (CANDIDATES, "Candidates", ":material/leaderboard:", "page:candidates"),
    (CANDIDATE, "Candidate", ":material/person:", "page:candidate"),
    (SHORTLISTS, "Shortlists", ":material/checklist:", "page:shortlists"),
    (MAINTAINERS, "Maintainers", ":material/account_tree:", "page:maintainers"),
    (NETWORK, "Network", ":material/hub:", "page:network"),
    (ACCESS_LOG, "Access log", ":material/policy:", "page:access_log"),
)
