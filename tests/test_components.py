"""Components: a repository's own parts from its activity and its owner files, and the
areas every page reads from them."""

import pandas as pd
import pytest

from talent.ranking.components import (
    ROOT,
    build_components,
    component_of,
    pattern_folder,
    person_components,
)
from talent.ranking.skills import build_skills
from talent.views.maintainers import owners_in_practice


def _changes(counts: dict[str, int], repo: str = "o/r", person: str = "ada") -> pd.DataFrame:
    """One commit per change: ``counts`` maps a file to how many commits touched it."""
    rows = [(f"{repo}:{path}", f"{path}#{i}") for path, n in counts.items() for i in range(n)]
    return pd.DataFrame({
        "path": [p for p, _ in rows], "commit": [c for _, c in rows], "person": person,
        "lines": 10, "occurred_at": pd.Timestamp("2024-01-01"),
    })  # fmt: skip


def _named(rows: list[tuple[str, str]], repo: str = "o/r", until=None) -> pd.DataFrame:
    return pd.DataFrame({
        "repo": repo, "source": [s for s, _ in rows], "pattern": [p for _, p in rows],
        "until": until,
    })  # fmt: skip


def test_a_wrapper_folder_splits_into_its_busy_children():
    # src holds 90 of 100 commits: its packages are the components, not src itself;
    # docs (10%) stays whole though it has two subfolders.
    changes = _changes({
        "src/api/a.go": 40, "src/web/w.go": 45, "src/x.go": 5,
        "docs/a/x.md": 5, "docs/b/y.md": 5,
    })  # fmt: skip
    found = build_components(changes)
    assert found[["component", "source", "commits"]].values.tolist() == [
        ["docs", "activity", 10], ["src/api", "activity", 40], ["src/web", "activity", 45],
    ]  # fmt: skip
    assert found["weight"].round(2).tolist() == [0.1, 0.4, 0.45]


def test_a_big_folder_keeps_the_work_outside_its_children():
    # pkg's own files carry 30 commits outside pkg/api and pkg/web: pkg stays a component.
    changes = _changes({"pkg/api/a.go": 30, "pkg/web/w.go": 30, "pkg/main.go": 30, "x.md": 10})
    assert build_components(changes)["component"].tolist() == ["pkg", "pkg/api", "pkg/web"]


def test_one_busy_child_is_looked_into():
    # python/ only wraps python/tvm, whose two parts carry the work.
    changes = _changes({"python/tvm/relay/a.py": 50, "python/tvm/tir/b.py": 40, "c.txt": 10})
    assert build_components(changes)["component"].tolist() == ["python/tvm/relay", "python/tvm/tir"]


def test_quiet_folders_are_no_component_by_activity():
    changes = _changes({"core/a.py": 97, "tools/t.sh": 2, "misc/m.py": 1})
    assert build_components(changes)["component"].tolist() == ["core"]
    assert build_components(changes, min_commits=1, min_share=0.01)["component"].tolist() == [
        "core",
        "misc",
        "tools",
    ]


def test_a_folder_with_its_own_owners_file_is_a_component():
    changes = _changes({"core/a.py": 97, "tools/gen/t.sh": 2, "gone/g.py": 1})
    named = _named([("tools/gen/OWNERS", "/tools/gen/"), ("OWNERS", "/")])
    found = build_components(changes, named)
    assert found[["component", "source", "commits"]].values.tolist() == [
        ["core", "activity", 97], ["tools/gen", "OWNERS", 2],
    ]  # fmt: skip
    # An OWNERS file no longer in force names no component.
    gone = _named([("gone/OWNERS", "/gone/")], until=pd.Timestamp("2023-01-01"))
    assert "gone" not in set(build_components(changes, gone)["component"])


def test_codeowners_lines_on_folders_make_components_and_file_patterns_do_not():
    changes = _changes({"core/a.py": 92, "sdk/python/s.py": 4, "sdk/go/g.go": 4})
    named = _named([
        (".github/CODEOWNERS", "/sdk/python/"), (".github/CODEOWNERS", "*.md"),
        (".github/CODEOWNERS", "/nowhere/"), (".github/CODEOWNERS", "core/**"),
    ])  # fmt: skip
    found = build_components(changes, named)
    # core is busy and named: the owner file wins; a folder no file lies in is none.
    assert found[["component", "source"]].values.tolist() == [
        ["core", "CODEOWNERS"], ["sdk/python", "CODEOWNERS"],
    ]  # fmt: skip
    assert pattern_folder("/src/**/test/") is None
    assert pattern_folder("docs/") == "docs"


def test_the_deepest_component_wins_and_the_rest_is_root():
    components = pd.DataFrame({
        "repo": ["o/r", "o/r", "o/r", "x/y"],
        "component": ["pkg", "pkg/api", "pkg/api/v1", "pkg"],
        "prefix": ["pkg", "pkg/api", "pkg/api/v1", "pkg"],
    })  # fmt: skip
    paths = pd.Series(["o/r:pkg/api/v1/t.go", "o/r:pkg/api/a.go", "o/r:pkg/p.go",
                       "o/r:pkg", "o/r:README.md", "x/y:pkg/a.go", "z/z:pkg/a.go"],
                      index=list("abcdefg"))  # fmt: skip
    assert component_of(paths, components).to_dict() == {
        "a": "pkg/api/v1", "b": "pkg/api", "c": "pkg", "d": ROOT, "e": ROOT, "f": "pkg",
        "g": ROOT,
    }  # fmt: skip


def test_vendored_code_is_no_component():
    changes = _changes({"vendor/lib/a.go": 60, "cmd/main.go": 40})
    assert "vendor" in build_components(changes)["component"].str[:6].tolist()
    found = build_components(changes, exclude=[r"(^|/)vendor/"])
    assert found["component"].tolist() == ["cmd"]


def test_a_persons_areas_are_their_components_and_the_generic_areas_are_tags():
    changes = pd.concat([
        _changes({"serving/api/a.py": 30, "docs/d.md": 10}, person="ada"),
        _changes({"serving/api/a.py": 2, "train/t.py": 20}, person="bob"),
    ], ignore_index=True)  # fmt: skip
    components = build_components(changes)
    acts = pd.DataFrame({"person": ["ada", "bob"], "title": ["Serve", "Train"]})
    skills = build_skills(changes, acts, components=components)
    assert skills.loc["ada", "areas"] == "serving/api, docs"
    assert skills.loc["ada", "tags"] == "inference and serving, docs"
    assert skills.loc["bob", "areas"] == "train, serving/api"
    # The search reads the components' words too.
    assert "serving api" in skills.loc["ada", "document"]
    done = person_components(changes, components)
    ada = done[(done["person"] == "ada") & (done["component"] == "serving/api")].iloc[0]
    assert (ada["commits"], ada["lines"], round(ada["share"], 4)) == (30, 300.0, 0.9375)


def test_owners_in_practice_by_component():
    changes = pd.concat([
        _changes({"pkg/webhook/w.go": 12}, person="ada"),
        _changes({"pkg/controller/c.go": 12, "pkg/webhook/w.go": 1}, person="bob"),
    ], ignore_index=True)  # fmt: skip
    components = build_components(changes, _named([("pkg/webhook/OWNERS", "/pkg/webhook/")]))
    assert components["component"].tolist() == ["pkg/controller", "pkg/webhook"]
    owners = owners_in_practice(changes, None, by=components)
    owners = owners[owners["is_owner"]]
    assert owners[["key", "person"]].values.tolist() == [
        ["pkg/controller", "bob"], ["pkg/webhook", "ada"],
    ]  # fmt: skip


@pytest.mark.parametrize("pattern", ["*", "/", "**", ""])
def test_whole_repository_patterns_name_no_folder(pattern):
    assert pattern_folder(pattern) is None


def test_a_mined_repository_has_components_and_people_their_areas(tmp_path, monkeypatch):
    """End to end on a real git history: `talent mine git`, then the ranking base."""
    from gitrepos import GitRepo, Who, at, isolate
    from typer.testing import CliRunner

    from talent.cli import app
    from talent.config import Settings
    from talent.ranking.scoring import build_ranking_base
    from talent.store import open_store

    isolate(monkeypatch, tmp_path)
    ada = Who("Ada Lovelace", "ada@example.org")
    bob = Who("Bob Builder", "bob@example.org")
    repo = GitRepo.init(tmp_path / "widgets")
    repo.commit("Start\n", author=ada, when=at(1), files={
        "src/api/a.go": "0\n", "src/web/w.go": "0\n", "tools/gen/OWNERS": "approvers:\n- bob\n",
        "README.md": "r\n",
    })  # fmt: skip
    # Varied messages: people, not bots.
    topics = ["parser", "cache", "retries", "logging", "config", "timeouts", "errors", "types",
              "paging", "auth", "limits", "tracing"]  # fmt: skip
    for n, topic in enumerate(topics, start=2):
        repo.commit(f"Speed up the {topic}\n", author=ada, when=at(n),
                    files={"src/api/a.go": f"{n}\n"})  # fmt: skip
        repo.commit(f"Show {topic} in the page\n", author=bob, when=at(n, 1),
                    files={"src/web/w.go": f"{n}\n"})  # fmt: skip
    repo.commit("Gen\n", author=bob, when=at(20), files={"tools/gen/g.sh": "g\n"})
    db = tmp_path / "w.db"
    mined = CliRunner().invoke(app, ["mine", "git", str(repo.path), "--name", "acme/widgets",
                                     "--db", str(db)])  # fmt: skip
    assert mined.exit_code == 0, mined.output
    url = f"sqlite:///{db}"
    base = build_ranking_base(open_store(url), Settings(db_url=url))
    # src only wraps its two busy packages; tools/gen is quiet but has its own OWNERS.
    assert base.components[["component", "source", "commits"]].values.tolist() == [
        ["src/api", "activity", 13], ["src/web", "activity", 13], ["tools/gen", "OWNERS", 2],
    ]  # fmt: skip
    names = base.table.set_index("name")
    # Most changed lines first (Ada's first commit added the OWNERS file and src/web).
    assert names.loc["Ada Lovelace", "areas"] == "src/api, tools/gen, src/web"
    assert names.loc["Bob Builder", "areas"] == "src/web, tools/gen"
    # The long table the skill search indexes: what each person did in each component.
    done = base.person_components.set_index("person")
    bob_id = base.table.index[base.table["name"] == "Bob Builder"][0]
    bob = done.loc[[bob_id]]
    assert bob[["component", "commits"]].values.tolist() == [["src/web", 12], ["tools/gen", 1]]
