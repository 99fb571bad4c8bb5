"""Roles: one table (talent.views.access.PERMISSIONS) of every page, download and change of the
app, walked in the code so nothing escapes it; each role signed in through AppTest opens,
downloads and changes exactly what the table gives it; the data layer refuses the rest;
a hiring manager sees only the lists shared with them."""

from __future__ import annotations

import ast
import csv
import io
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from unittest import mock

import pytest
import streamlit as st
from sqlalchemy import text
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from talent.cli import app as cli
from talent.config import ROLES, Settings
from talent.mining import save_demo
from talent.people.identity import update_people
from talent.people.privacy import optout
from talent.sources.demo import generate_demo
from talent.store import (
    add_entries,
    add_note,
    count_rows,
    load_entries,
    load_events,
    load_people,
    load_shares,
    open_store,
    share_shortlist,
)
from talent.store.schema import SCHEMA_VERSION
from talent.ui import data, routes
from talent.ui.widgets import Filters
from talent.views.access import PERMISSIONS, AccessDenied, Viewer, allowed, visible_lists

ROOT = Path(__file__).resolve().parents[1]
UI = ROOT / "talent" / "ui"
APP = str(ROOT / "app.py")
SECRET_ENV = "TALENT_TEST_CLIENT_SECRET"
USERS = {
    "admin": "ada@acme.com",
    "recruiter": "rec@acme.com",
    "hiring_manager": "hm@acme.com",
    "maintainer": "mai@oss.org",  # by the domain
}
SETTINGS = """
[auth]
server_metadata_url = "{issuer}/.well-known/openid-configuration"
client_id = "talent"
client_secret_env = "TALENT_TEST_CLIENT_SECRET"
redirect_uri = "http://localhost:8501/oauth2callback"

[roles]
admin = ["ada@acme.com"]
recruiter = ["rec@acme.com"]
hiring_manager = ["hm@acme.com"]
maintainer = ["@oss.org"]
"""
PAGE_TITLES = {what: title for _path, title, _icon, what in routes.NAVIGATION}
PAGE_FILES = {what: Path(path) for path, _title, _icon, what in routes.NAVIGATION}


# --- the walk: every page, download and change has its entry -------------------------------


def _tree(path: Path) -> ast.Module:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            child.parent = node  # type: ignore[attr-defined]
    return tree


def _literal_calls(node: ast.AST, names: set[str]) -> list[str]:
    """The string first arguments of calls to ``names`` (or their second, for
    check(viewer, "...")) anywhere under ``node``, the arms of ``a if c else b`` too."""
    found = []
    for call in ast.walk(node):
        if not isinstance(call, ast.Call):
            continue
        name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")
        if name not in names:
            continue
        for arg in call.args:
            for leaf in ast.walk(arg):
                if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str):
                    found.append(leaf.value)
    return [f for f in found if ":" in f]


def _ui_modules() -> dict[Path, ast.Module]:
    return {p: _tree(p) for p in sorted(UI.rglob("*.py")) if p.name != "data.py"}


def _references(modules: dict[Path, ast.Module], function: str) -> list[ast.AST]:
    """Where ``function`` is called or handed over as a callback (on_click=...)."""
    found = []
    for tree in modules.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == function:
                found.append(node)
            elif isinstance(node, ast.keyword) and getattr(node.value, "id", None) == function:
                found.append(node)
    return found


def _guarded(node: ast.AST, what: str, modules: dict[Path, ast.Module], seen=()) -> bool:
    """Whether ``node`` runs only when ``can(what)`` said yes: an enclosing ``if`` asks
    it, or every place that calls (or hands over) the enclosing function is guarded."""
    child, parent = node, getattr(node, "parent", None)
    while parent is not None:
        if isinstance(parent, ast.If) and child is not parent.test and child in parent.body:
            if what in _literal_calls(parent.test, {"can"}):
                return True
        if isinstance(parent, ast.FunctionDef):
            if parent.name in seen:
                return False
            refs = _references(modules, parent.name)
            return bool(refs) and all(
                _guarded(r, what, modules, (*seen, parent.name)) for r in refs
            )
        child, parent = parent, getattr(parent, "parent", None)
    return False


def test_every_page_of_the_app_has_an_entry_and_checks_it_first():
    pages = sorted((UI / "pages").glob("*.py"))
    registered = {Path(path).resolve() for path in PAGE_FILES.values()}
    assert set(pages) == registered, "a page file is not in talent.ui.routes.NAVIGATION"
    for _path, _title, _icon, what in routes.NAVIGATION:
        assert what in PERMISSIONS and what.startswith("page:")
    # st.Page is made in one place only, from NAVIGATION (no page outside the table).
    tree = _tree(UI / "app.py")
    made = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Page"
    ]
    for node in made:
        if ast.unparse(node.args[0]) == "home":
            # The root URL's router: hidden, draws nothing, switches to the first page
            # the viewer may open (which then checks its own entry).
            keywords = {k.arg: ast.unparse(k.value) for k in node.keywords}
            assert keywords["visibility"] == "'hidden'" and keywords["default"] == "True"
            continue
        inside = node
        while not isinstance(inside, ast.ListComp):
            inside = inside.parent
        assert ast.unparse(inside.generators[0].iter) in ("NAVIGATION", "shown")
    # ... and the navigation routes to the allowed ones only.
    routed = [
        ast.unparse(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "navigation"
    ]
    assert routed == ["st.navigation(pages)"]
    assert "pages = allowed_pages()" in ast.unparse(tree)
    # Each page asks for its own entry right after routing, before anything is drawn.
    for what, path in PAGE_FILES.items():
        tree = _tree(Path(path))
        render = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "render")
        first_two = [ast.unparse(s) for s in render.body[:2]]
        assert first_two[0] == "app.ensure_routed()", path
        assert _literal_calls(render.body[1], {"require"}) == [what], (path, first_two)


def test_every_download_is_behind_its_entry():
    modules = _ui_modules()
    downloads = []
    for path, tree in modules.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "download_button":
                keys = [k.value.value for k in node.keywords if k.arg == "key"]
                assert keys, f"{path.name}:{node.lineno}: a download without key="
                guards = [
                    w
                    for w in PERMISSIONS
                    if w.startswith("download:") and _guarded(node, w, modules)
                ]
                assert guards, f"{path.name}:{node.lineno} ({keys[0]}): no can('download:...')"
                downloads.append((keys[0], guards[0]))
    assert sorted(downloads) == [
        ("download_csv", "download:candidates_csv"),
        ("download_list", "download:shortlist_export"),
        ("download_shortlist", "download:shortlisted_csv"),
    ]


# Calls in talent/ui/data.py that write to the store.
WRITES = (
    "save_",
    "add_",
    "change_",
    "record",
    "import_",
    "keep",
    "share_",
    "unshare_",
    "remove_",
    "delete_",
    "update_",
)
# Writes that are not a viewer's change but a record of what they did: the access log
# records every viewer, whatever their role (issue 27: who saw what).
AUDIT = ("record_access", "record_once", "on_export")


def test_every_change_is_behind_its_entry_on_the_page_and_in_the_data_layer():
    tree = _tree(UI / "data.py")
    checked: dict[str, list[str]] = {}
    for fn in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
        called = {
            node.func.id
            for node in ast.walk(fn)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        }
        wants = _literal_calls(fn, {"check", "_check_list"})
        assert all(w in PERMISSIONS for w in wants), (fn.name, wants)
        if (
            any(c.startswith(WRITES) for c in called)
            and not fn.name.startswith("_")
            and fn.name not in AUDIT
        ):
            changes = [w for w in wants if w.startswith("change:")]
            assert changes, f"data.{fn.name} writes without checking a change: permission"
        checked[fn.name] = [w for w in wants if w.startswith(("change:", "download:"))]
    modules = _ui_modules()
    sites = []
    for path, module in modules.items():
        for node in ast.walk(module):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and getattr(node.func.value, "id", None) == "data"
                and checked.get(node.func.attr)
            ):
                continue
            for what in checked[node.func.attr]:
                assert _guarded(node, what, modules), (
                    f"{path.name}:{node.lineno}: data.{node.func.attr} outside can({what!r})"
                )
                sites.append((node.func.attr, what))
    assert {w for _f, w in sites} == {w for w in PERMISSIONS if w.startswith("change:")} | {
        "download:shortlist_export",
        "download:shortlisted_csv",
    }


def test_the_table_names_known_roles_and_an_unknown_entry_is_an_error():
    assert all(roles <= set(ROLES) for roles in PERMISSIONS.values())
    admin = Viewer("ada@acme.com", "Ada", "admin")
    assert all(allowed(admin, what) for what in PERMISSIONS)  # the admin may everything
    with pytest.raises(ValueError, match="unknown permission 'page:nowhere'"):
        allowed(admin, "page:nowhere")
    assert not any(allowed(Viewer("eve@evil.com", "Eve", None), w) for w in PERMISSIONS)
    assert not any(allowed(None, w) for w in PERMISSIONS)
    hm = Viewer("HM@acme.com", "Hana", "hiring_manager")
    shares = [("DevRel", "hm@ACME.com"), ("Infra", "other@acme.com")]
    assert visible_lists(hm, ["DevRel", "Infra", "Web"], shares) == ["DevRel"]
    assert visible_lists(Viewer("mai@oss.org", "M", "maintainer"), ["DevRel"], shares) == []
    assert visible_lists(Viewer("rec@acme.com", "R", "recruiter"), ["DevRel", "Web"], []) == [
        "DevRel",
        "Web",
    ]


# --- the app, signed in as each role --------------------------------------------------------


class _Discovery(BaseHTTPRequestHandler):
    """The provider's discovery document (the issuer the app checks sessions against)."""

    def do_GET(self):
        base = f"http://127.0.0.1:{self.server.server_port}"
        body = json.dumps({"issuer": base, "authorization_endpoint": base + "/auth"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def issuer():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Discovery)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def world(tmp_path_factory, issuer) -> dict:
    """The small demo world with two lists: DevRel (shared with the hiring manager, in
    other case) and Infra (not shared, with a note only recruiters may read)."""
    folder = tmp_path_factory.mktemp("roles")
    url = "sqlite:///" + str(folder / "demo.db")
    engine = open_store(url)
    save_demo(engine, generate_demo(seed=3, size="small"))
    update_people(engine, Settings(db_url=url))
    people = load_people(engine)["person_id"].head(3).tolist()
    add_entries(engine, "DevRel", people[:2], "rob")
    add_entries(engine, "Infra", people[2:], "rob")
    add_note(engine, "DevRel", people[0], "strong reviewer", "rob")
    add_note(engine, "Infra", people[2], "secret infra note", "rob")
    share_shortlist(engine, "DevRel", ["HM@Acme.com"], "rob")
    engine.dispose()
    config = folder / "talent.toml"
    config.write_text(SETTINGS.format(issuer=issuer), encoding="utf-8")
    return {"url": url, "config": str(config), "devrel": people[:2], "infra": people[2:],
            "issuer": issuer}  # fmt: skip


@pytest.fixture(autouse=True)
def signed_in(monkeypatch, world):
    monkeypatch.setenv("TALENT_DB", world["url"])
    monkeypatch.setenv("TALENT_CONFIG", world["config"])
    monkeypatch.setenv(SECRET_ENV, "not-a-real-secret")
    monkeypatch.setenv("TALENT_USER", "someone-else")  # the app must not record this name
    ISSUER[:] = [world["issuer"]]


ISSUER: list[str] = []


def _user(email: str) -> dict:
    """What the provider's ID token says of a fresh sign-in (talent.ui.auth checks it)."""
    return {
        "is_logged_in": True,
        "email": email,
        "name": email.split("@")[0].title(),
        "iss": ISSUER[0],
        "iat": int(time.time()) - 60,
        "email_verified": True,
        "provider": "default",
    }


def _signed_in(email: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.user = _user(email)
    return at


def _direct(url: str, page: Path, viewer: Viewer) -> AppTest:
    """A page's own file run by itself (a typed URL that reaches it) in a session that
    the gate let through already."""
    at = AppTest.from_file(str(page), default_timeout=120)
    at.user = _user(viewer.email)
    at.session_state["viewer"] = viewer
    at.session_state["status"] = data.status(url)
    at.session_state["filters"] = Filters()
    return at.run()


def _texts(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "info", "subheader") for e in at.get(kind)]
    parts += [df.value.to_csv() for df in at.dataframe]
    return "\n".join(str(p) for p in parts)


def _shows(at: AppTest, what: str) -> None:
    """What the page ``what`` must show when allowed: its title and its own data."""
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == [PAGE_TITLES[what]]
    assert not at.error
    if what == "page:candidates":
        assert len(at.dataframe[0].value) > 10 and "score" in at.dataframe[0].value.columns
    elif what == "page:candidate":
        assert at.header and at.metric[0].label == "Rank"
    elif what == "page:shortlists":
        assert set(at.dataframe[0].value["person_id"]) and at.selectbox(key="shortlist_name")
    elif what == "page:maintainers":
        assert "Bus factor, riskiest first" in [s.value for s in at.subheader]
    elif what == "page:network":
        assert "pagerank" in at.dataframe[0].value.columns


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_downloads_and_changes_exactly_what_the_table_gives(world, role):
    st.cache_resource.clear()
    viewer = Viewer(USERS[role], USERS[role].split("@")[0].title(), role)
    at = _signed_in(USERS[role])
    with mock.patch.object(st, "download_button", wraps=st.download_button) as spy:
        at.run()
        home = next(w for *_rest, w in routes.NAVIGATION if allowed(viewer, w))
        _shows(at, home)  # the first page the role may open is their home page
        for path, _title, _icon, what in routes.NAVIGATION:
            if not allowed(viewer, what):
                # Not in the navigation: its URL cannot reach it ...
                with pytest.raises(ValueError, match="Could not find a navigation page"):
                    at.switch_page(str(path))
                # ... and run by itself, the page says so in one line and shows nothing.
                alone = _direct(world["url"], Path(path), viewer)
                assert [e.value for e in alone.error] == [
                    f"Your role ({role}) cannot open this page"
                ]
                assert not alone.title and not alone.dataframe and not alone.metric
                continue
            if what == "page:candidate":  # the draft is made when its expander is opened
                at.session_state["outreach_open"] = True
            at.switch_page(str(path)).run()
            _shows(at, what)
            if what == "page:candidates":
                columns = set(at.dataframe[0].value.columns)
                pipeline = allowed(viewer, "section:pipeline")
                assert ({"verdict", "pipeline"} <= columns) == pipeline
                assert ("Shortlisted" in [m.label for m in at.metric]) == pipeline
            if what == "page:candidate":
                subheaders = [s.value for s in at.subheader]
                assert ("Shortlists" in subheaders) == allowed(viewer, "section:pipeline")
                assert bool(at.code) == allowed(viewer, "section:outreach")
                keys = {b.key for b in at.button}
                assert ("verdict_shortlisted" in keys) == allowed(viewer, "change:verdict")
            if what == "page:shortlists":
                keys = {b.key for b in at.button}
                assert ("move" in keys) == allowed(viewer, "change:stage")
                assert ("add_note" in keys) == allowed(viewer, "change:note")
                assert ("share" in keys) == allowed(viewer, "change:share")
                assert ("ats_import" in keys) == allowed(viewer, "change:ats")
    made = {c.kwargs["key"] for c in spy.call_args_list}
    expected = {
        "download_csv": "download:candidates_csv",
        "download_shortlist": "download:shortlisted_csv",
        "download_list": "download:shortlist_export",
    }
    assert made == {k for k, w in expected.items() if allowed(viewer, w)}


def test_a_stranger_signed_in_gets_no_page(world):
    at = _signed_in("eve@evil.com").run()
    assert [t.value for t in at.title] == ["No access"]  # talent.ui.auth's gate
    assert not at.dataframe and not at.sidebar.selectbox and not at.get("download_button")


def test_the_hiring_manager_sees_reads_comments_and_exports_only_the_shared_list(world):
    at = _signed_in("hm@acme.com")
    at.query_params["list"] = "Infra"  # a typed link to a list not shared with them
    with mock.patch.object(st, "download_button", wraps=st.download_button) as spy:
        at.run()
    assert not at.exception
    assert at.selectbox(key="shortlist_name").options == ["DevRel (2)"]
    assert sorted(at.dataframe[0].value["person_id"]) == sorted(world["devrel"])
    shown = _texts(at)
    assert "strong reviewer" in shown and "secret infra note" not in shown
    assert "Infra" not in shown
    (payload,) = [c.kwargs["data"] for c in spy.call_args_list]
    rows = list(csv.DictReader(io.StringIO(payload.decode("utf-8-sig"))))
    assert sorted(r["person_id"] for r in rows) == sorted(world["devrel"])
    # A comment, recorded under the signed-in address (not TALENT_USER).
    first = at.dataframe[0].value["person_id"].iloc[0]
    engine = open_store(world["url"])
    before = len(load_events(engine, "DevRel"))
    data.note_entry(world["url"], Viewer("hm@acme.com", "Hana", "hiring_manager"), "DevRel",
                    first, "good fit for the team")  # fmt: skip
    notes = load_events(engine, "DevRel").iloc[before:]
    assert notes[["who", "what", "new"]].values.tolist() == [
        ["hm@acme.com", "note", "good fit for the team"]
    ]
    # Nothing else: no note on the list not shared, no move, no export of it.
    hm = Viewer("hm@acme.com", "Hana", "hiring_manager")
    with pytest.raises(AccessDenied, match="not shared with you"):
        data.note_entry(world["url"], hm, "Infra", world["infra"][0], "peek")
    with pytest.raises(AccessDenied, match=r"Your role \(hiring_manager\) cannot"):
        data.move_entries(world["url"], hm, "DevRel", {first: 1}, "offer")
    with pytest.raises(AccessDenied, match="not shared with you"):
        data.list_export(world["url"], hm, "0", "Infra", None, (), None, False)
    assert len(load_events(engine, "DevRel")) == before + 1
    assert len(load_events(engine, "Infra")) == 2  # added, and rob's note
    engine.dispose()


def test_a_list_no_longer_shared_is_gone_for_the_hiring_manager(world, tmp_path):
    runner = CliRunner()
    args = ["--db", world["url"]]
    done = runner.invoke(cli, ["shortlist", "unshare", "DevRel", "hm@ACME.com", *args])
    assert done.exit_code == 0, done.output
    assert done.output == "'DevRel' no longer shared with 1.\n"
    try:
        at = _signed_in("hm@acme.com").run()
        assert not at.exception and not at.dataframe
        assert [i.value for i in at.info][-1].startswith("No shortlist is shared with you")
        assert "strong reviewer" not in _texts(at)
    finally:
        again = runner.invoke(cli, ["shortlist", "share", "DevRel", "HM@acme.com", *args])
        assert again.output == "'DevRel' shared with 1 more.\n"


def test_a_recruiter_shares_a_list_on_the_page(world):
    at = _signed_in("rec@acme.com").run()
    at.switch_page(str(routes.SHORTLISTS))
    at.query_params["list"] = "Infra"
    at.run()
    assert at.selectbox(key="shortlist_name").value == "Infra"
    at.text_input(key="share_email").input("not an address").run()
    at.button(key="share").click().run()
    assert [e.value for e in at.error] == [
        "'not an address' is not an e\\-mail address \\(a list is shared with one person\\)"
    ]
    at.text_input(key="share_email").input("Pat@Acme.com").run()
    at.button(key="share").click().run()
    assert not at.exception
    shares = load_shares(open_store(world["url"]), "Infra")
    assert shares[["email", "shared_by"]].values.tolist() == [["pat@acme.com", "rec@acme.com"]]
    at.selectbox(key="unshare_email").select("pat@acme.com").run()
    at.button(key="unshare").click().run()
    assert load_shares(open_store(world["url"]), "Infra").empty


def test_every_write_refuses_a_role_the_table_does_not_allow(world):
    url = world["url"]
    engine = open_store(url)
    first = world["devrel"][0]
    before = {
        t: count_rows(engine, t)
        for t in ("shortlists", "shortlist_entries", "shortlist_events", "shortlist_shares")
        + ("ats_marks", "digest_snapshots", "activities")
    }
    writes = {
        "change:verdict": lambda v: data.record_verdict(url, v, first, "rejected"),
        "change:shortlist": lambda v: data.add_to_list(url, v, "DevRel", world["infra"]),
        "change:stage": lambda v: data.move_entries(url, v, "DevRel", {first: 1}, "offer"),
        "change:note": lambda v: data.note_entry(url, v, "Infra", first, "x"),
        "change:share": lambda v: data.share_list(url, v, "Infra", "x@acme.com"),
        "change:ats": lambda v: data.import_ats(
            url, v, b"login\nnobody\n", "ats.csv", replace=True
        ),  # fmt: skip
        "change:seen": lambda v: data.mark_visit_seen(url, v, "maintainer"),
        "change:company": lambda v: data.choose_company(url, v, "acme-ai"),
        "change:demo": lambda v: data.create_demo(url, v),
    }
    assert set(writes) == {w for w in PERMISSIONS if w.startswith("change:")}
    refused = []
    for role in (*ROLES, None):
        viewer = Viewer(f"{role}@example.org", "", role)
        for what, write in writes.items():
            # A hiring manager may note, but only on a list shared with them (not Infra).
            if allowed(viewer, what) and not (what, role) == ("change:note", "hiring_manager"):
                continue
            with pytest.raises(AccessDenied):
                write(viewer)
            refused.append((role, what))
    with pytest.raises(AccessDenied):
        data.record_verdict(url, None, first, "shortlisted")  # signed out
    assert sorted(what for role, what in refused if role == "maintainer") == [
        "change:ats", "change:company", "change:demo", "change:note", "change:share",
        "change:shortlist", "change:stage", "change:verdict",
    ]  # fmt: skip
    assert len([r for r, _w in refused if r == "hiring_manager"]) == len(writes)
    assert len([r for r, _w in refused if r is None]) == len(writes)
    assert sorted(w for r, w in refused if r == "recruiter") == ["change:company", "change:demo"]
    after = {t: count_rows(engine, t) for t in before}
    assert after == before
    engine.dispose()


def test_changes_in_the_app_are_recorded_under_the_signed_in_address(world):
    url, first = world["url"], world["devrel"][1]
    rec = Viewer("rec@acme.com", "Rec", "recruiter")
    entry = load_entries(open_store(url), "DevRel").set_index("person_id").loc[first]
    assert data.move_entries(url, rec, "DevRel", {first: int(entry["version"])}, "contacted") == []
    data.add_to_list(url, rec, "Web", [first], note="met at the summit")
    events = load_events(open_store(url), person_id=first)
    assert events["who"].iloc[-3:].tolist() == ["rec@acme.com"] * 3  # stage, added, note


# --- the store and the CLI -------------------------------------------------------------------


def test_cli_share_and_unshare(world):
    runner = CliRunner()
    args = ["--db", world["url"]]
    done = runner.invoke(
        cli, ["shortlist", "share", "Infra", "A@acme.com", "b@acme.com", "a@ACME.com", *args]
    )
    assert done.exit_code == 0 and done.output == "'Infra' shared with 2 more.\n"
    done = runner.invoke(cli, ["shortlist", "share", "Infra", "b@acme.com", *args])
    assert done.output == "'Infra' shared with 0 more; 1 had it already.\n"
    shares = load_shares(open_store(world["url"]), "Infra")
    assert shares["email"].tolist() == ["a@acme.com", "b@acme.com"]
    assert set(shares["shared_by"]) == {"someone-else"}  # the CLI keeps TALENT_USER
    listed = runner.invoke(cli, ["shortlist", "show", "-f", "json", *args])
    shared_with = {row["name"]: row["shared_with"] for row in json.loads(listed.output)}
    assert shared_with["Infra"] == "a@acme.com, b@acme.com" and shared_with["DevRel"] != ""
    done = runner.invoke(cli, ["shortlist", "unshare", "Infra", "a@acme.com", "c@x.org", *args])
    assert done.output == "'Infra' no longer shared with 1; 1 did not have it.\n"
    runner.invoke(cli, ["shortlist", "unshare", "Infra", "b@acme.com", *args])
    for bad, says in [
        (["Infra", "@acme.com"], "error: '@acme.com' is not an e-mail address"),
        (["Nowhere", "a@acme.com"], "error: no shortlist 'Nowhere'"),
        (["Infra"], "error: Missing argument 'emails'."),
    ]:
        done = runner.invoke(cli, ["shortlist", "share", *bad, *args])
        assert done.exit_code != 0
        assert done.output.startswith(says) and done.output.count("\n") == 1
    assert load_shares(open_store(world["url"]), "Infra").empty


def test_an_older_store_gains_the_shares_table(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    open_store(url).dispose()
    engine = open_store(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE shortlist_shares"))
        conn.execute(text("DELETE FROM schema_version WHERE version > 13"))  # before shares
    engine.dispose()
    again = open_store(url)
    with again.connect() as conn:
        assert conn.execute(text("SELECT max(version) FROM schema_version")).scalar() == (
            SCHEMA_VERSION
        )
    assert load_shares(again).empty
    again.dispose()


def test_an_opt_out_still_purges_a_person_on_a_shared_list(tmp_path):
    url = f"sqlite:///{tmp_path / 'optout.db'}"
    engine = open_store(url)
    save_demo(engine, generate_demo(seed=3, size="small"))
    update_people(engine, Settings(db_url=url))
    person, other = load_people(engine)["person_id"].head(2).tolist()
    add_entries(engine, "DevRel", [person, other], "rob")
    add_note(engine, "DevRel", person, "call next week", "rob")
    share_shortlist(engine, "DevRel", ["hm@acme.com"], "rob")
    optout(engine, person, Settings(db_url=url))
    assert load_entries(engine, "DevRel")["person_id"].tolist() == [other]
    assert person not in set(load_events(engine)["person_id"])
    assert load_shares(engine)["email"].tolist() == ["hm@acme.com"]  # holds nobody's id
    engine.dispose()


def test_the_outreach_draft_is_made_only_for_a_role_that_drafts(world):
    """The page hides the draft from a maintainer; the data layer refuses it too, so a
    page that forgot to hide it would show an error, not a draft."""
    url = world["url"]
    status = data.status(url)
    person = world["devrel"][0]
    profile = Settings().profile("recruiter")
    made = {}
    for role in (*ROLES, None):
        viewer = Viewer(f"{role}@example.org", "", role)
        try:
            made[role] = data.outreach(url, viewer, status.version, person, profile, (), None,
                                       False)  # fmt: skip
        except AccessDenied:
            made[role] = None
    assert {r for r, text in made.items() if text} == {"admin", "recruiter"}
    assert all(len(made[r]) > 100 for r in ("admin", "recruiter"))
