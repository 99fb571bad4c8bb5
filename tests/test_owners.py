"""Owner files as data: the parsers on hand-written texts, GitHub's documented CODEOWNERS
examples, and named-owner intervals read from a repository built in tmp_path."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime

import pytest
from gitrepos import GitRepo, Who, at, isolate

from talent.model import NamedOwner, OwnerKind
from talent.sources import git as git_source
from talent.sources.git import OwnerFileVersion, fetch_owner_file_versions
from talent.sources.owners import (
    Naming,
    OwnerFileError,
    OwnerFileKind,
    OwnerRule,
    codeowners_owners,
    expand_teams,
    is_role,
    owner_file_kind,
    owner_intervals,
    parse_codeowners,
    parse_owner_file,
    parse_owners_aliases,
    parse_owners_yaml,
    parse_people_list,
    parse_team_list,
    team_lookup,
)

U, T, E = OwnerKind.USER, OwnerKind.TEAM, OwnerKind.EMAIL


def t(day: int) -> datetime:
    return datetime.fromtimestamp(at(day), UTC)


# --- CODEOWNERS -------------------------------------------------------------------------


def test_parse_codeowners_comments_tabs_crlf_escapes_and_bad_tokens():
    text = (
        "\ufeff# a comment\r\n"
        "\r\n"
        "*\t@ada   @org/core-team\r\n"
        "docs/my\\ guide.md  ada@example.org # docs person\r\n"
        "   /src/ünïcode/   @bé-bob\r\n"
        "/vendor/\r\n"
        "*.go @ok not-an-owner @@bad\r\n"
        "!negated @ada\r\n"
        "[ab].txt @ada\r\n"
    )
    notes: list[str] = []
    rules = parse_codeowners(text, notes)
    assert rules == [
        OwnerRule("*", ("@ada", "@org/core-team"), 3),
        OwnerRule("docs/my guide.md", ("ada@example.org",), 4),
        OwnerRule("/src/ünïcode/", (), 5),  # "@bé-bob" is not a login
        OwnerRule("/vendor/", (), 6),
        OwnerRule("*.go", ("@ok",), 7),
    ]
    assert notes == [
        "line 5: '@bé-bob' is not an owner; skipped",
        "line 7: 'not-an-owner' is not an owner; skipped",
        "line 7: '@@bad' is not an owner; skipped",
        "line 8: pattern '!negated' is not supported; skipped",
        "line 9: pattern '[ab].txt' is not supported; skipped",
    ]
    assert codeowners_owners(rules, "docs/my guide.md") == ("ada@example.org",)
    assert codeowners_owners(rules, "src/ünïcode/a.py") == ()
    assert codeowners_owners(rules, "vendor/lib/x.c") == ()
    assert codeowners_owners(rules, "cmd/main.go") == ("@ok",)
    assert codeowners_owners(rules, "README.md") == ("@ada", "@org/core-team")


# GitHub's documented CODEOWNERS example ("About code owners", docs.github.com): each
# rule with the paths the documentation says it matches, or does not.
GITHUB_EXAMPLE = """
* @global-owner1 @global-owner2
*.js @js-owner #This is an inline comment.
*.go docs@example.com
*.txt @octo-org/octocats
/build/logs/ @doctocat
docs/* docs@example.com
apps/ @octocat
/docs/ @doctocat
/scripts/ @doctocat @octocat
**/logs @octocat
/apps/ @octocat
/apps/github
"""


@pytest.mark.parametrize(
    ("path", "owners"),
    [
        ("README.md", ("@global-owner1", "@global-owner2")),
        ("src/app.js", ("@js-owner",)),
        ("main.go", ("docs@example.com",)),
        ("notes/todo.txt", ("@octo-org/octocats",)),
        # /build/logs/: the folder at the root and everything below it...
        ("build/logs/today.txt", ("@octocat",)),  # ...but **/logs comes later and wins
        ("build/logs/deep/er/x.bin", ("@octocat",)),
        # docs/*: files directly in docs, not nested ones (/docs/ later wins for both)
        ("docs/getting-started.md", ("@doctocat",)),
        ("docs/build-app/troubleshooting.md", ("@doctocat",)),
        # apps/: an apps folder anywhere
        ("lib/apps/x.rb", ("@octocat",)),
        ("scripts/deploy.sh", ("@doctocat", "@octocat")),
        # **/logs: a logs folder anywhere
        ("deeply/nested/logs/a.log", ("@octocat",)),
        ("scripts/logs/b.log", ("@octocat",)),
        # /apps/ with /apps/github left without owners
        ("apps/web/index.rb", ("@octocat",)),
        ("apps/github/hook.rb", ()),
    ],
)
def test_github_documented_example(path, owners):
    assert codeowners_owners(parse_codeowners(GITHUB_EXAMPLE), path) == owners


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("docs/*", "docs/getting-started.md", True),
        ("docs/*", "docs/build-app/troubleshooting.md", False),
        ("docs/*", "sub/docs/a.md", False),  # an inner slash anchors to the root
        ("/build/logs/", "build/logs/x", True),
        ("/build/logs/", "src/build/logs/x", False),
        ("/build/logs/", "build/logs", False),  # a trailing slash: a folder's contents
        ("apps/", "a/b/apps/c/d.rb", True),
        ("*.js", "a/b/c.js", True),
        ("*.js", "a/b/c.jsx", False),
        ("**/logs", "logs/a", True),
        ("**/logs", "x/y/logs/a", True),
        ("src/**/test.py", "src/test.py", True),
        ("src/**/test.py", "src/a/b/test.py", True),
        ("src/**", "src/a/b.c", True),
        ("/apps/github", "apps/github/x.rb", True),
        ("/apps/github", "apps/githubber.rb", False),
        ("README", "pkg/README", True),
        ("/README", "pkg/README", False),
        ("*", "anything/at/all", True),
        ("a?c", "abc", True),
        ("a?c", "a/c", False),
    ],
)
def test_codeowners_matching(pattern, path, matches):
    rules = [OwnerRule(pattern, ("@x",), 1)]
    assert codeowners_owners(rules, path) == (("@x",) if matches else ())


# --- OWNERS / OWNERS_ALIASES ------------------------------------------------------------


def test_parse_owners_yaml_roles_filters_and_aliases():
    text = """# See the OWNERS docs
approvers:
  - ada
  - core-approvers   # an alias
reviewers: ["bob", "@cy"]
emeritus_approvers:
- old-timer
project-leads:
  - lead1
labels:
  - area/pkg
options:
  no_parent_owners: true
filters:
  ".*":
    reviewers: [dee]
  "\\\\.go$":
    approvers:
      - gopher
"""
    aliases = {"Core-Approvers": ["eve", "fay"]}
    assert parse_owners_yaml(text, "pkg/api/OWNERS", aliases) == [
        Naming("ada", U, "/pkg/api/", "approvers"),
        Naming("eve", U, "/pkg/api/", "approvers"),
        Naming("fay", U, "/pkg/api/", "approvers"),
        Naming("bob", U, "/pkg/api/", "reviewers"),
        Naming("cy", U, "/pkg/api/", "reviewers"),
        Naming("old-timer", U, "/pkg/api/", "emeritus_approvers"),
        Naming("lead1", U, "/pkg/api/", "project-leads"),
        Naming("dee", U, "/pkg/api/", "reviewers"),
        Naming("gopher", U, "/pkg/api/:\\.go$", "approvers"),
    ]


def test_parse_owners_yaml_odd_shapes():
    # An early style: logins on one line; tabs where YAML wants spaces; an empty file.
    assert parse_owners_yaml("approvers:\n  ada bob,cy\nreviewers:\n", "OWNERS") == [
        Naming("ada", U, "/", "approvers"),
        Naming("bob", U, "/", "approvers"),
        Naming("cy", U, "/", "approvers"),
    ]
    assert parse_owners_yaml("approvers:\n\t- ada\n", "OWNERS") == [
        Naming("ada", U, "/", "approvers")
    ]
    assert parse_owners_yaml("", "OWNERS") == []
    assert parse_owners_yaml("# only a comment\n", "OWNERS") == []


def test_invalid_owners_yaml_is_one_clear_error_or_a_note():
    bad = "approvers:\n  - ada\n reviewers: [bob\n"
    with pytest.raises(OwnerFileError) as error:
        parse_owners_yaml(bad, "pkg/OWNERS")
    assert str(error.value) == "pkg/OWNERS: not valid YAML at line 3"
    with pytest.raises(OwnerFileError, match="expected a mapping"):
        parse_owners_yaml("- ada\n- bob\n", "OWNERS")
    notes: list[str] = []
    assert parse_owner_file("pkg/OWNERS", bad, notes=notes) == []
    assert notes == ["pkg/OWNERS: not valid YAML at line 3"]


def test_parse_owners_aliases():
    text = "aliases:\n  sig-a:\n    - ada\n    - bob\n  empty:\n"
    assert parse_owners_aliases(text) == {"sig-a": ["ada", "bob"], "empty": []}
    assert parse_owners_aliases("") == {}
    with pytest.raises(OwnerFileError, match="'aliases' is not a mapping"):
        parse_owners_aliases("aliases: [a, b]\n")


# --- people lists -----------------------------------------------------------------------


def test_parse_people_list_markdown():
    text = """# Project people

Thanks to all our [sponsors](https://github.com/sponsors/acme).

## Maintainers

| Name | GitHub |
|------|--------|
| Ada  | [ada-l](https://github.com/ada-l) |

- [Bob](https://github.com/bob/) (PMC): @bob - compiler
- Cy <cy@example.org> (@cy-x) see https://github.com/acme/project and
  https://github.com/orgs/acme/teams/core
- the [acme organization](https://github.com/acme)

```
- @in-code-block
```

### Emeritus
* Dee (https://github.com/Dee)

## Thanks
- @eve
- [Fay](https://github.com/fay)

**Core team**
- @gus
General reviewers:
* @hal

Release notes:
* @ivy
"""
    names = [(n.owner, n.role) for n in parse_people_list(text)]
    assert names == [
        ("ada-l", "Maintainers"),
        ("bob", "Maintainers"),
        ("cy-x", "Maintainers"),
        ("Dee", "Emeritus"),
        ("gus", "Core team"),
        ("hal", "General reviewers"),
    ]


def test_parse_people_list_rst_and_plain_text():
    text = """Project
=======

Committers
----------

* `Ada <https://github.com/ada>`_
* Bob (@bob)

Contributors
------------

* `Cy <https://github.com/cy>`_

# REVIEWERS
Dee <dee@example.org> (@dee) pkg:*
"""
    names = [(n.owner, n.role) for n in parse_people_list(text)]
    assert names == [("ada", "Committers"), ("bob", "Committers"), ("dee", "REVIEWERS")]


def test_people_before_any_heading_name_nobody():
    assert parse_people_list("Ada <ada@example.org> (@ada)\n@bob is the maintainer:\n") == []


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("Maintainers", True),
        ("Code Owners", True),
        ("emeritus_approvers", True),
        ("project-leads", True),
        ("Technical Steering Committee", True),
        ("TSC voting members", True),
        ("BDFL", True),
        ("Current Core Contributors", True),
        ("Mentors", False),
        ("Thanks", False),
        ("Misleading section", False),
        ("Coreutils", False),
        ("labels", False),
    ],
)
def test_is_role(heading, expected):
    assert is_role(heading) is expected


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("CODEOWNERS", OwnerFileKind.CODEOWNERS),
        (".github/CODEOWNERS", OwnerFileKind.CODEOWNERS),
        ("docs/CODEOWNERS", OwnerFileKind.CODEOWNERS),
        ("src/CODEOWNERS", None),
        ("OWNERS", OwnerFileKind.OWNERS),
        ("pkg/a/OWNERS", OwnerFileKind.OWNERS),
        ("vendor/k8s.io/x/OWNERS", None),
        ("OWNERS_ALIASES", OwnerFileKind.OWNERS_ALIASES),
        ("MAINTAINERS", OwnerFileKind.PEOPLE),
        ("MAINTAINERS.md", OwnerFileKind.PEOPLE),
        (".github/MAINTAINERS.md", OwnerFileKind.PEOPLE),
        ("docs/community/governance.md", OwnerFileKind.PEOPLE),
        ("COMMITTERS.rst", OwnerFileKind.PEOPLE),
        ("CONTRIBUTORS.md", OwnerFileKind.PEOPLE),
        ("docs/maintainers.png", None),
        ("node_modules/x/MAINTAINERS.md", None),
    ],
)
def test_owner_file_kind(path, kind):
    assert owner_file_kind(path) is kind


# --- intervals (pure) -------------------------------------------------------------------


def test_intervals_gap_move_and_bad_version():
    versions = [
        (t(1), "MAINTAINERS.md", "## Maintainers\n- @ada\n- @bob\n"),
        (t(2), "MAINTAINERS.md", "## Maintainers\n- @ada\n"),
        (t(3), "MAINTAINERS.md", "## Maintainers\n- @ada\n- @bob\n"),
        # Moved into docs/ in one commit: no gap for ada or bob.
        (t(4), "MAINTAINERS.md", None),
        (t(4), "docs/MAINTAINERS.md", "## Maintainers\n- @ada\n- @bob\n"),
        (t(5), "OWNERS", "approvers: [cy]\n"),
        (t(6), "OWNERS", "approvers: [cy\n"),  # broken: names nobody
        (t(7), "OWNERS", "approvers: [cy]\n"),
        (t(8), "README.md", "# not an owner file\n- @zed\n"),
    ]
    notes: list[str] = []
    got = owner_intervals(versions, repo="acme/x", notes=notes)
    m = "Maintainers"
    assert got == [
        NamedOwner("acme/x", "MAINTAINERS.md", "bob", U, "", m, t(1), t(2)),
        NamedOwner("acme/x", "docs/MAINTAINERS.md", "ada", U, "", m, t(1), None),
        NamedOwner("acme/x", "docs/MAINTAINERS.md", "bob", U, "", m, t(3), None),
        NamedOwner("acme/x", "OWNERS", "cy", U, "/", "approvers", t(5), t(6)),
        NamedOwner("acme/x", "OWNERS", "cy", U, "/", "approvers", t(7), None),
    ]
    assert notes == ["OWNERS: not valid YAML at line 2"]


def test_older_accounts_logins_with_odd_hyphens_are_people():
    # GitHub no longer gives out such logins, but older accounts keep them.
    notes: list[str] = []
    rules = parse_codeowners("* @jan--f @wence- @-nope\n", notes)
    namings = parse_owner_file("CODEOWNERS", "* @jan--f @wence-\n")
    assert rules[0].owners == ("@jan--f", "@wence-")
    assert notes == ["line 1: '@-nope' is not an owner; skipped"]
    assert [n.owner for n in namings] == ["jan--f", "wence-"]
    listed = parse_people_list(
        "# Maintainers\n\n- Jan (@jan--f)\n- [W](https://github.com/wence-)\n"
    )
    assert [n.owner for n in listed] == ["jan--f", "wence-"]


def test_expand_teams():
    team = NamedOwner("acme/x", "CODEOWNERS", "acme/core", T, "*", "codeowner", t(1), None)
    other = NamedOwner("acme/x", "CODEOWNERS", "acme/docs", T, "/docs/", "codeowner", t(1))
    assert expand_teams([team, other], {"ACME/Core": ["ada", "bob"]}) == [
        NamedOwner("acme/x", "CODEOWNERS", "ada", U, "*", "team:acme/core", t(1), None),
        NamedOwner("acme/x", "CODEOWNERS", "bob", U, "*", "team:acme/core", t(1), None),
        other,
    ]


def test_parse_team_list_nested_sections_and_plain_yaml():
    # The layout of onnx/sigs CONTRIBUTORS: members, then indented sub-teams.
    text = (
        "# Members of the GitHub teams.\n"
        "\n"
        "SIG-archinfra:\n"
        "    - ada\n"
        "    - bob   \n"
        "    releasemgrs:\n"
        "        - cy\n"
        "    approvers:\n"
        "        - ada\n"
        "        - @dee # a mention counts too\n"
        "        - ada\n"
        "\n"
        "Steering-Committee:\n"
        "\t- eve\n"
        "acme/docs:\n"
        "- fay\n"
        "not a team line\n"
    )
    assert parse_team_list(text) == {
        "sig-archinfra": ["ada", "bob"],
        "sig-archinfra-releasemgrs": ["cy"],
        "sig-archinfra-approvers": ["ada", "dee"],
        "steering-committee": ["eve"],
        "acme/docs": ["fay"],
    }


def test_parse_team_list_member_back_at_the_parent_level():
    text = "core:\n  leads:\n    - ada\n  - bob\n"
    assert parse_team_list(text) == {"core-leads": ["ada"], "core": ["bob"]}


@pytest.mark.parametrize("text", ["", "# only a comment\n", "- ada\n", "core:\n"])
def test_parse_team_list_without_members_is_an_error(text):
    with pytest.raises(OwnerFileError, match="no team members found"):
        parse_team_list(text)


def test_team_lookup_gives_bare_names_the_organisation():
    lookup = team_lookup({"Core": ["ada"], "other/Docs": ["bob"]}, "Acme")
    assert lookup == {"acme/core": ["ada"], "other/docs": ["bob"]}
    team = NamedOwner("acme/x", "CODEOWNERS", "acme/Core", T, "*", "codeowner", t(1))
    assert [r.owner for r in expand_teams([team], lookup)] == ["ada"]


# --- history from git ------------------------------------------------------------------

ADA = Who("Ada Lovelace", "ada@example.org")


@pytest.fixture
def owners_repo(tmp_path, monkeypatch):
    """A history whose owner files change: added, a person removed, CODEOWNERS moved
    from the root to .github/, a team entry, an OWNERS alias changed, a list deleted."""
    isolate(monkeypatch, tmp_path)
    repo = GitRepo.init(tmp_path / "work", tmp_path)
    shas = {}
    shas[1] = repo.commit(
        "owners",
        author=ADA,
        when=at(1),
        files={
            "CODEOWNERS": "* @ada @bob\n/docs/ @acme/docs-team\n",
            "MAINTAINERS.md": "# Maintainers\n- [Ada](https://github.com/ada)\n- @cy\n",
            "src/a.py": "x = 1\n",
        },
    )
    repo.commit("code", author=ADA, when=at(2), files={"src/a.py": "x = 2\n"})
    shas[3] = repo.commit(
        "bob steps down",
        author=ADA,
        when=at(3),
        files={"CODEOWNERS": "* @ada\n/docs/ @acme/docs-team\n"},
    )
    shas[4] = repo.commit(
        "move CODEOWNERS",
        author=ADA,
        when=at(4),
        files={"CODEOWNERS": None, ".github/CODEOWNERS": "* @ada\n/docs/ @acme/docs-team\n"},
    )
    shas[5] = repo.commit(
        "pkg owners",
        author=ADA,
        when=at(5),
        files={
            "OWNERS_ALIASES": "aliases:\n  pkg-core:\n    - dee\n    - eve\n",
            "pkg/OWNERS": "approvers:\n  - pkg-core\nreviewers:\n  - fay\n",
            "vendor/lib/OWNERS": "approvers: [someone-else]\n",
        },
    )
    shas[6] = repo.commit(
        "eve leaves",
        author=ADA,
        when=at(6),
        files={"OWNERS_ALIASES": "aliases:\n  pkg-core:\n    - dee\n"},
    )
    shas[7] = repo.commit("no list", author=ADA, when=at(7), files={"MAINTAINERS.md": None})
    return repo, shas


def test_fetch_owner_file_versions(owners_repo):
    repo, shas = owners_repo
    versions = list(fetch_owner_file_versions(repo.path, "HEAD"))
    codeowners_1 = "* @ada @bob\n/docs/ @acme/docs-team\n"
    codeowners_3 = "* @ada\n/docs/ @acme/docs-team\n"
    assert versions == [
        OwnerFileVersion(shas[1], t(1), "CODEOWNERS", codeowners_1),
        OwnerFileVersion(
            shas[1],
            t(1),
            "MAINTAINERS.md",
            "# Maintainers\n- [Ada](https://github.com/ada)\n- @cy\n",
        ),
        OwnerFileVersion(shas[3], t(3), "CODEOWNERS", codeowners_3),
        OwnerFileVersion(shas[4], t(4), ".github/CODEOWNERS", codeowners_3),
        OwnerFileVersion(shas[4], t(4), "CODEOWNERS", None),
        OwnerFileVersion(
            shas[5], t(5), "OWNERS_ALIASES", "aliases:\n  pkg-core:\n    - dee\n    - eve\n"
        ),
        OwnerFileVersion(
            shas[5], t(5), "pkg/OWNERS", "approvers:\n  - pkg-core\nreviewers:\n  - fay\n"
        ),
        OwnerFileVersion(shas[6], t(6), "OWNERS_ALIASES", "aliases:\n  pkg-core:\n    - dee\n"),
        OwnerFileVersion(shas[7], t(7), "MAINTAINERS.md", None),
    ]
    # Up to an older head: only what that commit could see.
    assert [v.sha for v in fetch_owner_file_versions(repo.path, shas[3])] == [
        shas[1],
        shas[1],
        shas[3],
    ]


def test_fetch_owner_file_versions_runs_two_git_processes(owners_repo, monkeypatch):
    repo, _ = owners_repo
    calls: list[str] = []
    real_run = subprocess.run

    def counting_run(args, *a, **k):
        calls.append(next(x for x in args[3:] if x in ("log", "cat-file")))
        return real_run(args, *a, **k)

    monkeypatch.setattr(git_source.subprocess, "run", counting_run)
    assert len(list(fetch_owner_file_versions(repo.path, "HEAD"))) == 9
    assert calls == ["log", "cat-file"]


def test_owner_intervals_from_git(owners_repo):
    repo, _ = owners_repo
    versions = [(v.committed_at, v.path, v.text) for v in fetch_owner_file_versions(repo.path)]
    got = owner_intervals(versions, repo="acme/x")
    assert got == [
        NamedOwner(
            "acme/x", ".github/CODEOWNERS", "acme/docs-team", T, "/docs/", "codeowner", t(1)
        ),
        NamedOwner("acme/x", ".github/CODEOWNERS", "ada", U, "*", "codeowner", t(1)),
        NamedOwner("acme/x", "CODEOWNERS", "bob", U, "*", "codeowner", t(1), t(3)),
        NamedOwner("acme/x", "MAINTAINERS.md", "ada", U, "", "Maintainers", t(1), t(7)),
        NamedOwner("acme/x", "MAINTAINERS.md", "cy", U, "", "Maintainers", t(1), t(7)),
        NamedOwner("acme/x", "pkg/OWNERS", "dee", U, "/pkg/", "approvers", t(5)),
        NamedOwner("acme/x", "pkg/OWNERS", "eve", U, "/pkg/", "approvers", t(5), t(6)),
        NamedOwner("acme/x", "pkg/OWNERS", "fay", U, "/pkg/", "reviewers", t(5)),
    ]
    assert all(r.kind is not E for r in got)


OWNER_PATHS = [".github/CODEOWNERS", "CODEOWNERS", "MAINTAINERS.md", "OWNERS_ALIASES", "pkg/OWNERS"]


def test_fetch_owner_file_versions_along_the_owner_files_it_is_given(owners_repo):
    repo, shas = owners_repo
    along_globs = list(fetch_owner_file_versions(repo.path, "HEAD"))
    assert list(fetch_owner_file_versions(repo.path, "HEAD", paths=OWNER_PATHS)) == along_globs
    assert list(fetch_owner_file_versions(repo.path, shas[3], paths=OWNER_PATHS)) == list(
        fetch_owner_file_versions(repo.path, shas[3])
    )
    # A history that never had an owner file: no versions (git is not asked for every path).
    assert list(fetch_owner_file_versions(repo.path, "HEAD", paths=[])) == []


def _owner_tables(db: str) -> tuple[list, list, str | None]:
    from talent.store import get_meta, load_named_owners, load_owner_pairings, open_store

    engine = open_store(f"sqlite:///{db}")
    named = load_named_owners(engine).sort_values(["source", "owner", "pattern", "role"])
    pairs = load_owner_pairings(engine)
    return (
        named.astype(str).values.tolist(),
        sorted(pairs.astype(str).values.tolist()),
        get_meta(engine, git_source.OWNER_PATHS_META + "acme/x"),
    )


def test_mining_keeps_the_owner_files_and_walks_them_next_time(owners_repo, tmp_path):
    """A fresh mine, an incremental one (along the kept paths) and one of a store that
    kept none (along the globs) store the same owners; each keeps the owner files."""
    from talent.mining import mine_git
    from talent.store import get_meta, open_store

    repo, shas = owners_repo

    def mine(db: str, rev: str = "HEAD") -> None:
        mine_git(open_store(f"sqlite:///{tmp_path / db}"), repo.path, name="acme/x", rev=rev)

    mine("fresh.db")
    fresh = _owner_tables(str(tmp_path / "fresh.db"))
    assert len(fresh[0]) == 8  # as test_owner_intervals_from_git
    assert fresh[2] == json.dumps(OWNER_PATHS)

    mine("incremental.db", shas[3])
    engine = open_store(f"sqlite:///{tmp_path / 'incremental.db'}")
    kept = get_meta(engine, git_source.OWNER_PATHS_META + "acme/x")
    assert kept == '["CODEOWNERS", "MAINTAINERS.md"]'
    mine("incremental.db")
    assert _owner_tables(str(tmp_path / "incremental.db")) == fresh

    mine("older.db", shas[3])
    engine = open_store(f"sqlite:///{tmp_path / 'older.db'}")
    with engine.begin() as conn:  # as a store mined before the owner files were kept
        conn.exec_driver_sql("DELETE FROM meta WHERE key LIKE 'owner_paths:%'")
    assert get_meta(engine, git_source.OWNER_PATHS_META + "acme/x") is None
    mine("older.db")
    assert _owner_tables(str(tmp_path / "older.db")) == fresh
