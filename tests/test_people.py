"""People: hand-made overrides, the login = email local part rule, merge suggestions,
bots by rule and by behaviour, dated affiliation, and `talent people` on the command line.

Every world here is built by hand (a few identities and dated activities) so that each
expected person, method, probability and evidence string can be worked out on paper.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from conftest import KEY
from gitrepos import GitRepo, Who, at, isolate
from typer.testing import CliRunner

from talent.cli import app
from talent.config import ConfigError, Settings, load_settings
from talent.model import Activity, ActivityKind, Identity, IdentitySource
from talent.people.identity import (
    BOT_FLAG,
    BOT_MIN_MESSAGES,
    OverrideError,
    Overrides,
    append_override,
    company_matches,
    is_bot_identity,
    load_overrides,
    message_pattern,
    normalise_company,
    resolve_people,
    select_identities,
    suggest_merges,
    template_bot_probability,
    update_people,
)
from talent.store import (
    load_identities,
    load_identity_links,
    load_people,
    save_activities,
    save_identities,
    save_profiles,
)

GIT, GITHUB = IdentitySource.GIT, IdentitySource.GITHUB


def frame(*identities: Identity) -> pd.DataFrame:
    """Identities as a frame with the columns of the ``identities`` table."""
    return pd.DataFrame(
        [
            {
                "key": i.key,
                "source": str(i.source),
                "name": i.name,
                "email": i.email,
                "login": i.login,
                "github_id": i.github_id,
                "type": i.type,
            }
            for i in identities
        ]
    )


def groups(res) -> list[list[str]]:
    """The partition of identity keys into people, sorted."""
    members: dict[str, list[str]] = {}
    for key, pid in zip(res.links["identity_key"], res.links["person_id"], strict=True):
        members.setdefault(pid, []).append(key)
    return sorted(sorted(keys) for keys in members.values())


def partition(*members: list[str]) -> list[list[str]]:
    """Expected groups, in the order ``groups`` gives them."""
    return sorted(sorted(keys) for keys in members)


def link_of(res) -> dict[str, tuple[str, str, float]]:
    """identity key -> (person id, method, confidence)."""
    links = res.links
    return {
        row.identity_key: (row.person_id, row.method, row.confidence)
        for row in links.itertuples(index=False)
    }


def pid_of(identity: Identity) -> str:
    """The id of a person without a GitHub account whose smallest key is ``identity``'s."""
    return KEY.person_id(identity.key)


def gh_pid(github_id: int) -> str:
    """The id of the person whose smallest GitHub account id is ``github_id``."""
    return KEY.person_id(f"github:{github_id}")


def day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(hour=12, tzinfo=UTC)


def acts(who: Identity, *dates: str, titles: list[str] | None = None) -> list[Activity]:
    """One issue comment by ``who`` on each date (titles default to varied text)."""
    titles = titles or [f"Comment number {n} about {who.key}" for n in range(len(dates))]
    return [
        Activity(
            key=f"{who.key}#{n}",
            repo="acme/r",
            kind=ActivityKind.ISSUE_COMMENT,
            actor=who.key,
            occurred_at=day(when),
            item="acme/r#1",
            title=title,
        )
        for n, (when, title) in enumerate(zip(dates, titles, strict=True))
    ]


def comments(who: Identity, titles: list[str]) -> list[Activity]:
    """One issue comment per title, a day apart from 2024-01-01."""
    start = datetime(2024, 1, 1, 12, tzinfo=UTC)
    dates = [(start + timedelta(days=n)).date().isoformat() for n in range(len(titles))]
    return acts(who, *dates, titles=titles)


def settings_in(tmp_path, **extra) -> Settings:
    """Settings whose people file lies in tmp_path (never a people.toml of the cwd)."""
    return Settings(people_file=str(tmp_path / "people.toml"), **extra)


# --- 1. overrides ------------------------------------------------------------------------

# One human with a personal and a work GitHub account of the same name: the name rule
# never joins two accounts, so only a hand-made merge can.
SAM_HOME = Identity(GITHUB, name="Sam Lee", login="samlee", github_id=1001, type="User")
SAM_WORK = Identity(GITHUB, name="Sam Lee", login="sam-at-acme", github_id=1002, type="User")
SAM_HOME_GIT = Identity(GIT, name="Sam Lee", email="1001+samlee@users.noreply.github.com")
SAM_WORK_GIT = Identity(GIT, name="Sam Lee", email="1002+sam-at-acme@users.noreply.github.com")

# Three identities on one address: Jane's two and the build box that also used it.
JANE = Identity(GIT, name="Jane Doe", email="jane@x.example")
JANIE = Identity(GIT, name="Janie", email="JANE@x.example")
BUILD_BOX = Identity(GIT, name="build-box", email="jane@x.example")


def test_rules_keep_the_two_accounts_and_the_build_box_as_built():
    res = resolve_people(
        frame(SAM_HOME, SAM_WORK, SAM_HOME_GIT, SAM_WORK_GIT), Settings(), privacy_key=KEY
    )
    assert groups(res) == partition(
        [SAM_HOME.key, SAM_HOME_GIT.key], [SAM_WORK.key, SAM_WORK_GIT.key]
    )
    res = resolve_people(frame(JANE, JANIE, BUILD_BOX), Settings(), privacy_key=KEY)
    assert groups(res) == partition([JANE.key, JANIE.key, BUILD_BOX.key])


def test_merge_joins_two_accounts_the_rules_keep_apart():
    overrides = Overrides(merges=((("github:1001", "login:SAM-AT-ACME"), "work account"),))
    res = resolve_people(
        frame(SAM_HOME, SAM_WORK, SAM_HOME_GIT, SAM_WORK_GIT),
        Settings(),
        overrides=overrides,
        privacy_key=KEY,
    )
    assert link_of(res) == {
        SAM_HOME.key: (gh_pid(1001), "manual", 1.0),
        SAM_WORK.key: (gh_pid(1001), "manual", 1.0),
        # Not named by the merge: keep the rule that linked them.
        SAM_HOME_GIT.key: (gh_pid(1001), "noreply", 0.99),
        SAM_WORK_GIT.key: (gh_pid(1001), "noreply", 0.99),
    }
    assert res.people.to_dict("records") == [
        {
            "person_id": gh_pid(1001),  # the smallest account id
            "name": "Sam Lee",
            "login": "sam-at-acme",  # first login in sorted order
            "profile_url": "https://github.com/sam-at-acme",
            "is_bot": False,
            "bot_probability": 0.0,
            "affiliation": "community",
            "affiliation_evidence": "",
            "bot_evidence": "",
            "login_source": "from the GitHub API",
            "employed_from": None,
            "employed_until": None,
        }
    ]


def test_split_takes_the_build_box_out_of_the_person_the_email_built():
    overrides = Overrides(splits=(("name:build-box", "CI machine"),))
    res = resolve_people(
        frame(JANE, JANIE, BUILD_BOX), Settings(), overrides=overrides, privacy_key=KEY
    )
    assert groups(res) == partition([JANE.key, JANIE.key], [BUILD_BOX.key])
    # Keys sort "git:Jane Doe" < "git:Janie" < "git:build-box": Jane's key names the person.
    assert link_of(res) == {
        JANE.key: (pid_of(JANE), "email", 0.95),
        JANIE.key: (pid_of(JANE), "email", 0.95),
        BUILD_BOX.key: (pid_of(BUILD_BOX), "manual_split", 1.0),
    }
    names = dict(zip(res.people["person_id"], res.people["name"], strict=True))
    assert names == {pid_of(JANE): "Jane Doe", pid_of(BUILD_BOX): "build-box"}


def test_split_of_the_first_identity_keeps_the_rest_together():
    overrides = Overrides(splits=(("name:Jane Doe", ""),))
    res = resolve_people(
        frame(JANE, JANIE, BUILD_BOX), Settings(), overrides=overrides, privacy_key=KEY
    )
    assert groups(res) == partition([JANE.key], [JANIE.key, BUILD_BOX.key])


def test_alias_renames_a_person():
    overrides = Overrides(aliases=(("login:samlee", "Samantha Lee"),))
    res = resolve_people(
        frame(SAM_HOME, SAM_WORK, SAM_HOME_GIT), Settings(), overrides=overrides, privacy_key=KEY
    )
    names = dict(zip(res.people["person_id"], res.people["name"], strict=True))
    assert names == {gh_pid(1001): "Samantha Lee", gh_pid(1002): "Sam Lee"}
    # An alias only names: the partition is the rules' own.
    assert groups(res) == groups(
        resolve_people(frame(SAM_HOME, SAM_WORK, SAM_HOME_GIT), Settings(), privacy_key=KEY)
    )


ADA_ACCOUNT = Identity(GITHUB, name="Ada Lovelace", login="Ada-L", github_id=42, type="User")
ADA_WORK = Identity(GIT, name="Ada Lovelace", email="Ada@Example.ORG", login="ada-l")
ADA_HOME = Identity(GIT, name="ada lovelace", email="ada@home.example")


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("login:ADA-L", [ADA_WORK.key, ADA_ACCOUNT.key]),  # accounts and login hints
        ("email:ada@EXAMPLE.org", [ADA_WORK.key]),
        ("name:Ada Lovelace", [ADA_WORK.key, ADA_ACCOUNT.key]),
        ("name:ada lovelace", [ADA_HOME.key]),  # names are exact
        ("name:ADA LOVELACE", []),
        ("github:42", [ADA_ACCOUNT.key]),
        ("github:43", []),
        ("github:forty-two", []),
        (f"key:{ADA_HOME.key}", [ADA_HOME.key]),
        (f"key:{ADA_HOME.key.upper()}", []),
        ("login:ghost", []),
        ("email:ghost@example.org", []),
    ],
)
def test_select_identities(selector, expected):
    ids = frame(ADA_ACCOUNT, ADA_WORK, ADA_HOME)
    assert sorted(select_identities(ids, selector)) == sorted(expected)


def test_selectors_matching_nobody_change_no_person():
    ids = frame(SAM_HOME, SAM_WORK, SAM_HOME_GIT, JANE, JANIE)
    plain = resolve_people(ids, Settings(), privacy_key=KEY)
    overrides = Overrides(
        merges=((("login:ghost", "email:nobody@nowhere.example"), "nothing"),),
        splits=(("github:999", "nothing"),),
        aliases=(("name:Nobody At All", "Someone"),),
    )
    got = resolve_people(ids, Settings(), overrides=overrides, privacy_key=KEY)
    pd.testing.assert_frame_equal(got.people, plain.people)
    pd.testing.assert_frame_equal(got.links, plain.links)


PEOPLE_TOML = """\
# Corrections by hand.
[[merge]]
identities = ["github:1001", "login:sam-at-acme"]
reason = "work account"

[[split]]
identity = "name:build-box"
reason = "CI machine"

[[alias]]
identity = "name:Jane Doe"
name = "  Jane Q. Doe  "
"""


def test_overrides_survive_re_mining(tmp_path, store):
    (tmp_path / "people.toml").write_text(PEOPLE_TOML, encoding="utf-8")
    settings = settings_in(tmp_path)
    save_identities(store, [SAM_HOME, SAM_WORK, SAM_HOME_GIT, JANE, BUILD_BOX])
    save_activities(store, acts(SAM_HOME, "2024-01-02") + acts(JANE, "2024-01-03"))
    first = update_people(store, settings)
    assert groups(first) == partition(
        [BUILD_BOX.key], [SAM_HOME.key, SAM_WORK.key, SAM_HOME_GIT.key], [JANE.key]
    )

    # A later mine finds Sam's work noreply address and Jane's second identity.
    save_identities(store, [SAM_WORK_GIT, JANIE])
    save_activities(store, acts(SAM_WORK_GIT, "2024-02-01") + acts(JANIE, "2024-02-02"))
    second = update_people(store, settings)
    assert groups(second) == partition(
        [BUILD_BOX.key],
        [SAM_HOME.key, SAM_WORK.key, SAM_HOME_GIT.key, SAM_WORK_GIT.key],
        [JANE.key, JANIE.key],
    )
    people = load_people(store).set_index("person_id")
    assert people["name"].to_dict() == {
        gh_pid(1001): "Sam Lee",
        pid_of(JANE): "Jane Q. Doe",  # the alias, stripped
        pid_of(BUILD_BOX): "build-box",
    }
    methods = dict(zip(second.links["identity_key"], second.links["method"], strict=True))
    assert methods == {
        SAM_HOME.key: "manual",
        SAM_WORK.key: "manual",
        SAM_HOME_GIT.key: "noreply",
        SAM_WORK_GIT.key: "noreply",
        JANE.key: "email",
        JANIE.key: "email",
        BUILD_BOX.key: "manual_split",
    }
    stored = load_identity_links(store)
    assert sorted(zip(stored["identity_key"], stored["method"], strict=True)) == sorted(
        methods.items()
    )


# --- 2. malformed people files, the CLI, settings files ----------------------------------


def line_of(text: str, header: str, nth: int = 0) -> int:
    """The 1-based line of the ``nth`` line of ``text`` that is ``header``."""
    numbers = [n for n, line in enumerate(text.splitlines(), start=1) if line.strip() == header]
    return numbers[nth]


GOOD_MERGE = '[[merge]]\nidentities = ["login:a", "login:b"]\n'
GOOD_ALIAS = '[[alias]]\nidentity = "login:a"\nname = "A"\n'


@pytest.mark.parametrize(
    ("text", "header", "nth", "words"),
    [
        pytest.param(
            GOOD_ALIAS + '\n[[merge]]\nidentities = ["login:a"]\n',
            "[[merge]]",
            0,
            "a merge needs identities",
            id="merge-with-one-identity",
        ),
        pytest.param(
            GOOD_MERGE + '\n[[merge]]\nreason = "no identities"\n',
            "[[merge]]",
            1,
            "a merge needs identities",
            id="merge-without-identities",
        ),
        pytest.param(
            GOOD_MERGE + '\n[[split]]\nidentity = "jdoe"\n',
            "[[split]]",
            0,
            "'jdoe' is not a selector",
            id="selector-without-kind",
        ),
        pytest.param(
            GOOD_MERGE + '\n[[merge]]\nidentities = ["login:a", "phone:123"]\n',
            "[[merge]]",
            1,
            "unknown selector 'phone:123'",
            id="unknown-kind",
        ),
        pytest.param(
            GOOD_MERGE + '\n[[alias]]\nidentity = "login:a"\nname = "   "\n',
            "[[alias]]",
            0,
            "an alias needs name",
            id="alias-with-blank-name",
        ),
        pytest.param(
            GOOD_ALIAS + '\n[[alias]]\nidentity = "login:b"\n',
            "[[alias]]",
            1,
            "an alias needs name",
            id="alias-without-name",
        ),
        pytest.param(
            GOOD_MERGE + "\n[[group]]\nidentities = []\n",
            "[[group]]",
            0,
            "unknown table 'group'",
            id="unknown-table",
        ),
        pytest.param(
            GOOD_ALIAS + '\n[[ merge ]]\nidentities = ["login:a"]\n',
            "[[ merge ]]",
            0,
            "a merge needs identities",
            id="spaced-table-header",
        ),
    ],
)
def test_malformed_people_file_names_file_and_line(tmp_path, text, header, nth, words):
    path = tmp_path / "people.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(OverrideError) as caught:
        load_overrides(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line_of(text, header, nth)}: "), message
    assert words in message


def test_unknown_table_names_the_file(tmp_path):
    path = tmp_path / "people.toml"
    path.write_text(GOOD_MERGE + "\n[[group]]\nidentities = []\n", encoding="utf-8")
    with pytest.raises(OverrideError, match="unknown table 'group'") as caught:
        load_overrides(path)
    assert str(caught.value).startswith(f"{path}:")


def test_bad_toml_in_people_file_gives_tomllib_line(tmp_path):
    text = GOOD_MERGE + "\n[[split]]\nidentity = login:a\n"
    path = tmp_path / "people.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(OverrideError) as caught:
        load_overrides(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    bad_line = text.splitlines().index("identity = login:a") + 1
    assert bad_line == 5
    assert f"(at line {bad_line}, column 12)" in message


def test_single_table_instead_of_array_is_an_override_error(tmp_path):
    path = tmp_path / "people.toml"
    path.write_text('[merge]\nidentities = ["login:a", "login:b"]\n', encoding="utf-8")
    with pytest.raises(OverrideError, match=str(path)):
        load_overrides(path)


def test_missing_people_file_means_no_overrides(tmp_path):
    assert load_overrides(tmp_path / "absent.toml") == Overrides()


def test_append_override_round_trips_keys_and_quotes(tmp_path):
    path = tmp_path / "people.toml"
    append_override(
        path, "merge", {"identities": [f"key:{JANE.key}", "github:7"], "reason": 'a "b"'}
    )
    append_override(path, "split", {"identity": "email:é@x.example", "reason": ""})
    append_override(path, "alias", {"identity": "login:ada", "name": "Ada Byron"})
    assert load_overrides(path) == Overrides(
        merges=(((f"key:{JANE.key}", "github:7"), 'a "b"'),),
        splits=(("email:é@x.example", ""),),
        aliases=(("login:ada", "Ada Byron"),),
    )


# The CLI: a store at tmp_path/store.db, a settings file naming people.toml beside it.


@pytest.fixture
def cli(tmp_path, store, monkeypatch):
    """Run `talent ...` with --db and --config on ``store``; returns the result."""
    monkeypatch.delenv("TALENT_DEBUG", raising=False)
    monkeypatch.delenv("TALENT_CONFIG", raising=False)
    monkeypatch.setenv("COLUMNS", "200")  # rich would shorten table cells to 80 columns
    config = tmp_path / "talent.toml"
    config.write_text('[people]\nfile = "people.toml"\n', encoding="utf-8")
    save_identities(store, [SAM_HOME, SAM_WORK, SAM_HOME_GIT, JANE, JANIE, BUILD_BOX])
    save_activities(store, acts(SAM_HOME, "2024-01-02") + acts(JANE, "2024-01-03"))
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(
            app, [*args, "--db", store.url.render_as_string(False), "--config", str(config)]
        )

    return run


def identity_rows(output: str) -> list[list[str]]:
    """The cells of the rows of `talent people show`'s identities table."""
    return [
        [cell.strip() for cell in line.strip("│").split("│")]
        for line in output.splitlines()
        if line.startswith("│")
    ]


def test_cli_merge_then_split(cli, tmp_path, store):
    people_file = tmp_path / "people.toml"
    merged = cli("people", "merge", "samlee", "sam-at-acme", "--reason", "work account")
    assert merged.exit_code == 0, merged.output
    assert merged.stdout == f"merged 2 people (3 identities); recorded in {people_file}\n"
    (selectors, reason), *rest = load_overrides(people_file).merges
    assert rest == [] and reason == "work account"
    assert sorted(selectors) == sorted(f"key:{i.key}" for i in (SAM_HOME, SAM_WORK, SAM_HOME_GIT))
    links = load_identity_links(store)
    sam = links[links["person_id"] == gh_pid(1001)]
    assert sorted(sam["identity_key"]) == sorted([SAM_HOME.key, SAM_WORK.key, SAM_HOME_GIT.key])
    assert set(sam["method"]) == {"manual"}

    shown = cli("people", "show", "sam-at-acme")
    assert shown.exit_code == 0, shown.output
    assert (
        shown.stdout.splitlines()[0]
        == f"Sam Lee  {gh_pid(1001)}  @sam-at-acme (from the GitHub API)"
    )
    assert sorted(identity_rows(shown.stdout)) == sorted(
        [
            ["github", "Sam Lee @samlee", "manual", "1.00"],
            ["github", "Sam Lee @sam-at-acme", "manual", "1.00"],
            ["git", "Sam Lee <1001+samlee@users.noreply.github.com>", "manual", "1.00"],
        ]
    )

    split = cli("people", "split", "name:build-box", "--reason", "CI machine")
    assert split.exit_code == 0, split.output
    assert split.stdout == f"split name:build-box; recorded in {people_file}\n"
    assert load_overrides(people_file).splits == (("name:build-box", "CI machine"),)
    links = load_identity_links(store).set_index("identity_key")
    assert links.loc[BUILD_BOX.key, ["person_id", "method"]].tolist() == [
        pid_of(BUILD_BOX),
        "manual_split",
    ]
    assert links.loc[JANIE.key, "person_id"] == links.loc[JANE.key, "person_id"] == pid_of(JANE)
    shown = cli("people", "show", pid_of(JANE))
    assert shown.exit_code == 0, shown.output
    assert sorted(identity_rows(shown.stdout)) == [
        ["git", "Jane Doe <jane@x.example>", "email", "0.95"],
        ["git", "Janie <JANE@x.example>", "email", "0.95"],
    ]


def test_cli_merge_by_person_id_and_name(cli, tmp_path, store):
    merged = cli("people", "merge", gh_pid(1002), "Jane Doe")
    assert merged.exit_code == 0, merged.output
    (selectors, reason), *rest = load_overrides(tmp_path / "people.toml").merges
    assert rest == [] and reason == ""
    # Every identity of both people, as they were: the build box shared Jane's address.
    assert sorted(selectors) == sorted(f"key:{i.key}" for i in (SAM_WORK, JANE, JANIE, BUILD_BOX))
    links = load_identity_links(store)
    assert sorted(links.loc[links["person_id"] == gh_pid(1002), "identity_key"]) == sorted(
        [SAM_WORK.key, JANE.key, JANIE.key, BUILD_BOX.key]
    )


def one_error_line(result) -> str:
    assert result.exit_code != 0
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_cli_merge_of_nobody_is_one_error_line(cli, tmp_path):
    line = one_error_line(cli("people", "merge", "samlee", "ghost"))
    assert line == "error: nobody matches 'ghost' (give a person id, login, email or full name)"
    assert not (tmp_path / "people.toml").exists()


@pytest.mark.parametrize(
    ("selector", "words"),
    [
        ("jdoe", "'jdoe' is not a selector like 'login:jdoe'"),
        ("phone:123", "unknown selector 'phone:123'"),
        ("email:ghost@nowhere.example", "no stored identity matches 'email:ghost@nowhere.example'"),
    ],
)
def test_cli_split_bad_input_is_one_error_line(cli, tmp_path, selector, words):
    line = one_error_line(cli("people", "split", selector))
    assert words in line
    assert not (tmp_path / "people.toml").exists()


BROKEN_PEOPLE = GOOD_ALIAS + '\n[[merge]]\nidentities = ["login:samlee"]\n'


def test_cli_with_a_malformed_people_file_is_one_error_line(cli, tmp_path):
    (tmp_path / "people.toml").write_text(BROKEN_PEOPLE, encoding="utf-8")
    line = one_error_line(cli("people", "merge", "samlee", "sam-at-acme"))
    where = f"{tmp_path / 'people.toml'}:{line_of(BROKEN_PEOPLE, '[[merge]]')}: "
    assert where in line
    assert "a merge needs identities" in line


def test_cli_malformed_people_file_is_not_an_unexpected_failure(cli, tmp_path):
    (tmp_path / "people.toml").write_text(BROKEN_PEOPLE, encoding="utf-8")
    line = one_error_line(cli("people", "merge", "samlee", "sam-at-acme"))
    assert "unexpected" not in line


def test_cli_failed_merge_leaves_the_people_file_unchanged(cli, tmp_path):
    assert cli("people", "show", "samlee").exit_code == 0  # people resolved, file fine
    path = tmp_path / "people.toml"
    path.write_text(BROKEN_PEOPLE, encoding="utf-8")
    one_error_line(cli("people", "merge", "samlee", "sam-at-acme"))
    assert path.read_text(encoding="utf-8") == BROKEN_PEOPLE


def test_cli_suggestions_list_and_then_drop_a_merged_pair(cli):
    listed = cli("people", "suggestions")
    assert listed.exit_code == 0, listed.output
    assert identity_rows(listed.stdout) == [
        [
            *sorted([f"Sam Lee ({gh_pid(1001)})", f"Sam Lee ({gh_pid(1002)})"]),
            "same full name, different GitHub accounts (sam lee)",
        ]
    ]
    assert cli("people", "merge", gh_pid(1001), gh_pid(1002)).exit_code == 0
    listed = cli("people", "suggestions")
    assert listed.stdout.splitlines()[0].strip() == "0 suggestions"
    assert identity_rows(listed.stdout) == []


def test_cli_bad_settings_file_is_one_error_line(cli, tmp_path):
    (tmp_path / "talent.toml").write_text("[people]\nfile = 3\n", encoding="utf-8")
    line = one_error_line(cli("people", "show", "samlee"))
    assert line == f"error: {tmp_path / 'talent.toml'}: [people] file must be a string"


def test_cli_merge_survives_talent_mine(tmp_path, monkeypatch):
    isolate(monkeypatch, tmp_path)
    monkeypatch.delenv("TALENT_DEBUG", raising=False)
    config = tmp_path / "talent.toml"
    config.write_text('[people]\nfile = "corrections.toml"\n', encoding="utf-8")
    monkeypatch.setenv("TALENT_CONFIG", str(config))
    monkeypatch.chdir(tmp_path)
    home, work = Who("Sam Lee", "sam@home.example"), Who("S. Lee", "lee@work.example")
    repo = GitRepo.init(tmp_path / "repo")
    repo.commit("One\n", author=home, when=at(1), files={"a.txt": "1\n"})
    repo.commit("Two\n", author=work, when=at(2), files={"b.txt": "2\n"})
    runner = CliRunner()
    db = str(tmp_path / "mine.db")
    assert runner.invoke(app, ["mine", "git", str(repo.path), "--db", db]).exit_code == 0
    merged = runner.invoke(app, ["people", "merge", home.email, work.email, "--db", db])
    assert merged.exit_code == 0, merged.output
    assert (tmp_path / "corrections.toml").exists()  # TALENT_CONFIG was read
    shown = runner.invoke(app, ["people", "show", home.email, "--db", db])
    assert [row[2] for row in identity_rows(shown.stdout)] == ["manual", "manual"]
    repo.commit("Three\n", author=home, when=at(3), files={"c.txt": "3\n"})
    assert runner.invoke(app, ["mine", "git", str(repo.path), "--db", db]).exit_code == 0
    shown = runner.invoke(app, ["people", "show", home.email, "--db", db])
    assert [row[2] for row in identity_rows(shown.stdout)] == ["manual", "manual"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[company]\ndomains = [\n  'acme.example',\n  acme\n]\n", "(at line 4, column 3)"),
        ("[compnay]\ndomains = ['acme.example']\n", "unknown section [compnay]"),
        ("[weights]\nactivty = 0.5\n", "[weights] unknown signal 'activty'"),
        ("[weights]\nactivity = 'high'\n", "[weights] values must be finite numbers"),
        ("[company]\ndomains = 'acme.example'\n", "[company] domains must be a list of strings"),
        ("[company]\nformer_after_days = -1\n", "former_after_days must be a whole number"),
    ],
)
def test_load_settings_errors_name_the_file(tmp_path, text, words):
    path = tmp_path / "talent.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: "), message
    assert words in message


@pytest.mark.parametrize("text", ["weights = 3\n", 'company = "acme.example"\n'])
def test_load_settings_section_written_as_a_value(tmp_path, text):
    path = tmp_path / "talent.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=str(path)):
        load_settings(path)


def test_load_settings_reads_company_and_people_file(tmp_path):
    path = tmp_path / "conf" / "talent.toml"
    path.parent.mkdir()
    path.write_text(
        '[company]\ndomains = ["acme.example"]\nnames = ["Acme"]\nformer_after_days = 90\n'
        '[people]\nfile = "people.toml"\n[weights]\nactivity = 0.5\n',
        encoding="utf-8",
    )
    settings = load_settings(path, db=str(tmp_path / "x.db"))
    assert settings.company_domains == ("acme.example",)
    assert settings.company_names == ("Acme",)
    assert settings.former_after_days == 90
    assert settings.people_file == str(tmp_path / "conf" / "people.toml")  # beside the file
    maintainer = settings.profile("maintainer").as_dict()
    assert maintainer["activity"] == 0.5
    assert maintainer["trust"] == 0.05
    assert settings.db_url == f"sqlite:///{tmp_path / 'x.db'}"


# --- 3. a login equal to an email's local part -------------------------------------------

JDOE = Identity(GITHUB, name="", login="JDoe", github_id=500, type="User")


def test_login_email_links_an_unused_address_to_the_account():
    jane = Identity(GIT, name="Jane", email="jdoe@Uni.example")
    res = resolve_people(frame(JDOE, jane), Settings(), privacy_key=KEY)
    assert link_of(res) == {
        JDOE.key: (gh_pid(500), "github_account", 1.0),
        jane.key: (gh_pid(500), "login_email", 0.8),
    }
    assert res.people.loc[0, ["name", "login"]].tolist() == ["Jane", "JDoe"]


def test_login_email_not_when_a_second_identity_uses_the_address():
    jane = Identity(GIT, name="Jane", email="jdoe@uni.example")
    jane_laptop = Identity(GIT, name="Jane D", email="JDOE@uni.example")
    res = resolve_people(frame(JDOE, jane, jane_laptop), Settings(), privacy_key=KEY)
    assert link_of(res) == {
        JDOE.key: (gh_pid(500), "github_account", 1.0),
        jane.key: (pid_of(jane), "email", 0.95),
        jane_laptop.key: (pid_of(jane), "email", 0.95),
    }


@pytest.mark.parametrize(
    ("login", "email"),
    [
        ("root", "root@uni.example"),
        ("noreply", "noreply@uni.example"),
        ("admin", "admin@uni.example"),
        ("jd", "jd@uni.example"),  # shorter than three letters
        ("jdoe", "jdoe@localhost"),
    ],
)
def test_login_email_never_for_shared_or_short_addresses(login, email):
    account = Identity(GITHUB, name="", login=login, github_id=501, type="User")
    someone = Identity(GIT, name="Some One", email=email)
    res = resolve_people(frame(account, someone), Settings(), privacy_key=KEY)
    assert link_of(res) == {
        account.key: (gh_pid(501), "github_account", 1.0),
        someone.key: (pid_of(someone), "single", 1.0),
    }


@pytest.mark.parametrize(
    "email", ["jdoe@users.noreply.github.com", "500+JDoe@users.noreply.github.com"]
)
def test_noreply_addresses_link_by_the_noreply_rule_not_login_email(email):
    jane = Identity(GIT, name="Jane", email=email)
    res = resolve_people(frame(JDOE, jane), Settings(), privacy_key=KEY)
    assert link_of(res)[jane.key] == (gh_pid(500), "noreply", 0.99)


def test_login_email_is_only_for_git_identities_and_accounts():
    # A git identity's login hint is no account: "jdoe@..." does not join it.
    hinted = Identity(GIT, name="J Hint", email="x@hint.example", login="jdoe")
    jane = Identity(GIT, name="Jane", email="jdoe@uni.example")
    res = resolve_people(frame(hinted, jane), Settings(), privacy_key=KEY)
    assert groups(res) == partition([hinted.key], [jane.key])


def test_login_email_never_joins_two_accounts():
    johnd = Identity(GITHUB, name="John Dee", login="johnd", github_id=11, type="User")
    john_git = Identity(GIT, name="John Dee", email="jdoe@uni.example", login="johnd")
    res = resolve_people(frame(JDOE, johnd, john_git), Settings(), privacy_key=KEY)
    assert groups(res) == partition([JDOE.key], [johnd.key, john_git.key])


# --- 4. merge suggestions ------------------------------------------------------------------


def suggestions(*identities: Identity, overrides: Overrides | None = None):
    ids = frame(*identities)
    res = resolve_people(ids, Settings(), overrides=overrides, privacy_key=KEY)
    return res, suggest_merges(ids, res.links, res.people)


RUEIAN_1 = Identity(GIT, name="Rueian", email="r1@a.example")
RUEIAN_2 = Identity(GIT, name="Rueian", email="r2@b.example")


def test_same_one_word_name_is_suggested_not_applied():
    res, found = suggestions(RUEIAN_1, RUEIAN_2)
    a, b = sorted([pid_of(RUEIAN_1), pid_of(RUEIAN_2)])
    assert found.to_dict("records") == [
        {"person_a": a, "person_b": b, "reason": "same one-word name (rueian)"}
    ]
    # Never applied: two people, as without suggestions.
    assert groups(res) == partition([RUEIAN_1.key], [RUEIAN_2.key])
    again = resolve_people(frame(RUEIAN_1, RUEIAN_2), Settings(), privacy_key=KEY)
    pd.testing.assert_frame_equal(again.people, res.people)
    pd.testing.assert_frame_equal(again.links, res.links)


def test_one_word_reason_does_not_depend_on_other_rows():
    other = Identity(GIT, name="Jane Doe", email="jd@c.example")
    # The store's order (keys sorted): "git:Jane Doe..." comes before "git:Rueian...".
    _, found = suggestions(other, RUEIAN_1, RUEIAN_2)
    assert found["reason"].tolist() == ["same one-word name (rueian)"]


def test_git_name_written_as_another_persons_login_is_suggested():
    account = Identity(GITHUB, name="John Smith", login="jsmith", github_id=300, type="User")
    git = Identity(GIT, name="JSmith", email="john@home.example")
    res, found = suggestions(account, git)
    assert groups(res) == partition([git.key], [account.key])
    a, b = sorted([gh_pid(300), pid_of(git)])  # a pair is in id order
    assert found.to_dict("records") == [
        {
            "person_a": a,
            "person_b": b,
            "reason": "a name written as another's login or email (jsmith)",
        }
    ]


def test_same_full_name_on_two_accounts_is_suggested():
    _, found = suggestions(SAM_HOME, SAM_WORK)
    a, b = sorted([gh_pid(1001), gh_pid(1002)])
    assert found.to_dict("records") == [
        {
            "person_a": a,
            "person_b": b,
            "reason": "same full name, different GitHub accounts (sam lee)",
        }
    ]


def test_a_merged_pair_is_no_longer_suggested():
    overrides = Overrides(merges=((("github:1001", "github:1002"), ""),))
    _, found = suggestions(SAM_HOME, SAM_WORK, overrides=overrides)
    assert found.empty


@pytest.mark.parametrize(("how_many", "pairs"), [(5, 10), (6, 0)])
def test_name_shared_by_more_than_five_people_says_nothing(how_many, pairs):
    alexes = [Identity(GIT, name="Alex", email=f"a{n}@x{n}.example") for n in range(how_many)]
    _, found = suggestions(*alexes)
    assert len(found) == pairs
    assert set(found["reason"]) <= {"same one-word name (alex)"}


def test_bots_are_never_suggested():
    helpers = [
        Identity(GITHUB, name="Helper", login=f"helper-{n}", github_id=700 + n, type="Bot")
        for n in range(2)
    ]
    # "CodecovCommenter" folds to the bot's login but is a human's name.
    codecov = Identity(GITHUB, login="codecov-commenter", github_id=800, type="User")
    human = Identity(GIT, name="CodecovCommenter", email="cc@home.example")
    res, found = suggestions(*helpers, codecov, human)
    bots = res.people.set_index("person_id")["is_bot"].to_dict()
    assert bots == {gh_pid(700): True, gh_pid(701): True, gh_pid(800): True, pid_of(human): False}
    assert found.empty


# --- 5. bots by rule and by behaviour ------------------------------------------------------

ALICE = Identity(GITHUB, name="Alice Human", login="alice", github_id=100, type="User")


@pytest.mark.parametrize(
    "bot",
    [
        pytest.param(
            Identity(GITHUB, login="acme-release[bot]", github_id=9001, type="User"), id="[bot]"
        ),
        pytest.param(Identity(GITHUB, login="acme-helper", github_id=9002, type="Bot"), id="type"),
        pytest.param(
            Identity(GITHUB, login="renamed-updater", github_id=49699333, type="User"),
            id="known-id",
        ),
        pytest.param(
            Identity(GITHUB, login="Codecov-Commenter", github_id=9003, type="User"),
            id="known-login",
        ),
        pytest.param(Identity(GIT, name="GitHub", email="noreply@github.com"), id="web-flow"),
    ],
)
def test_bots_by_rule(tmp_path, store, bot):
    save_identities(store, [ALICE, bot])
    save_activities(
        store,
        acts(ALICE, "2024-01-01", "2024-01-02") + acts(bot, "2024-01-03", "2024-01-04"),
    )
    res = update_people(store, settings_in(tmp_path))
    people = load_people(store)
    by_key = dict(zip(res.links["identity_key"], res.links["person_id"], strict=True))
    flags = people.set_index("person_id")[["is_bot", "bot_probability"]]
    assert flags.loc[by_key[bot.key]].tolist() == [True, 1.0]
    assert flags.loc[gh_pid(100)].tolist() == [False, 0.0]
    assert is_bot_identity(bot.login, bot.name, bot.email, bot.type, bot.github_id)


def test_known_bot_id_is_what_marks_the_renamed_login():
    assert not is_bot_identity("renamed-updater", "", "", "User")
    assert is_bot_identity("renamed-updater", "", "", "User", 49699333)


def behaviour_of(tmp_path, store, who: Identity, titles: list[str]) -> dict:
    save_identities(store, [ALICE, who])
    save_activities(store, acts(ALICE, "2023-12-01") + comments(who, titles))
    update_people(store, settings_in(tmp_path))
    people = load_people(store).set_index("person_id")
    assert people.loc[gh_pid(100), ["is_bot", "bot_probability"]].tolist() == [False, 0.0]
    return people.loc[gh_pid(who.github_id), ["is_bot", "bot_probability"]].to_dict()


RELEASER = Identity(GITHUB, name="Release Helper", login="release-helper", github_id=200)
VARIED = [
    "Fix the parser",
    "Add docs for install",
    "Typo in readme",
    "Why does CI fail on windows?",
    "Thanks, merged",
    "Please rebase onto main",
    "Can you add a test?",
    "Looks right to me",
    "Nice catch",
    "Refactor the loader",
    "Drop python 3.8",
    "Update changelog",
    "Move helpers into store",
    "Benchmarks are slower now",
    "Use a frozen dataclass",
    "Rename the option",
    "Explain the weights",
    "Cache the graph",
    "Closing as duplicate",
    "Works on my machine",
    "Split the module",
    "Add an example",
    "Pin the dependency",
    "Tidy imports",
    "Handle empty input",
    "Speed up the loop",
    "Guard against None",
    "Document the CLI",
]


def test_template_messages_make_a_user_account_a_bot(tmp_path, store):
    titles = [f"Release v0.{n}.0" for n in range(20)]
    got = behaviour_of(tmp_path, store, RELEASER, titles)
    assert got == {"is_bot": True, "bot_probability": 1.0}
    assert got["bot_probability"] >= BOT_FLAG


def test_varied_messages_are_human(tmp_path, store):
    assert behaviour_of(tmp_path, store, RELEASER, VARIED[:20]) == {
        "is_bot": False,
        "bot_probability": 0.0,
    }


def test_too_few_messages_say_nothing(tmp_path, store):
    titles = [f"Release v0.{n}.0" for n in range(BOT_MIN_MESSAGES - 1)]
    assert behaviour_of(tmp_path, store, RELEASER, titles) == {
        "is_bot": False,
        "bot_probability": 0.0,
    }


def test_a_reviewer_who_often_says_lgtm_is_human(tmp_path, store):
    # 12 of 40 (30%) are "LGTM", the other 28 all differ: top share 0.3, 29 patterns.
    titles = ["LGTM"] * 12 + VARIED[:28]
    assert behaviour_of(tmp_path, store, RELEASER, titles) == {
        "is_bot": False,
        "bot_probability": 0.0,
    }


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # score = (top share - 0.5) / 0.4 - max(0, patterns / messages - 0.2), in [0, 1]
        ([f"Release v0.{n}.0" for n in range(20)], 1.0),
        ([f"Release v0.{n}.0" for n in range(16)] + VARIED[:4], 0.7),  # 0.75 - 0.05
        ([f"Release v0.{n}.0" for n in range(18)] + VARIED[:2], 1.0),  # 1.0 - 0
        (["LGTM"] * 34 + VARIED[:6], 0.875),  # 0.875 - 0 (7 / 40 < 0.2)
        (["LGTM"] * 12 + VARIED[:28], 0.0),
        (["Release v1.0"] * 9 + ["", "  "], 0.0),  # blank messages do not count
    ],
)
def test_template_bot_probability_by_hand(messages, expected):
    assert template_bot_probability(messages) == expected


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("Release v0.3.0", "release #"),
        ("  Bump numpy from 1.26.4 to 2.0.0  ", "bump numpy from # to #"),
        ("LGTM", "lgtm"),
        ("Merge pull request #123 from ada/fix", "merge pull request ## from ada/fix"),
        ("Revert 3f2a9c1d", "revert #"),
        ("coverage   1,234 lines\n\tok", "coverage # lines ok"),
        ("Fix the parser", "fix the parser"),
    ],
)
def test_message_pattern_by_hand(text, pattern):
    assert message_pattern(text) == pattern


# --- 6. affiliation with dated evidence ----------------------------------------------------

ACME = dict(company_domains=("acme.example",), company_names=("Acme", "Roadrunner Labs"))

EVE_WORK = Identity(GIT, name="Eve Adams", email="eve@acme.example")
EVE_HOME = Identity(GIT, name="Eve Adams", email="eve@home.example")
# Each used the company address from 2023-03-01 until a date, and a personal one after
# it until 2024-06-20; the latest act in the data is 2024-06-30, and the grace period is
# 180 days: an employee until 2024-01-02 and after, a former employee before.
LEAVERS = {
    "Fay Brown": ("2023-12-01", "former_employee"),
    "Gil Gray": ("2024-01-02", "employee"),  # exactly 180 days
    "Hal Hunt": ("2024-01-01", "former_employee"),  # 181 days
    "Ivy Irwin": ("2024-03-01", "employee"),
}
WILE = Identity(GITHUB, name="Wile Coyote", login="wile", github_id=77, type="User")
ROAD = Identity(GITHUB, name="Road Runner", login="road", github_id=78, type="User")
LABS = Identity(GITHUB, name="Lab Person", login="labs", github_id=79, type="User")
OTHER = Identity(GITHUB, name="Glenn Globex", login="glenn", github_id=80, type="User")
QUIET = Identity(GITHUB, name="Quinn Quiet", login="quinn", github_id=81, type="User")


def profile(who: Identity, company: str) -> dict:
    return {
        "github_id": who.github_id,
        "login": who.login,
        "name": who.name,
        "company": company,
        "location": None,
        "blog": None,
        "followers": 3,
        "fetched_at": datetime(2024, 5, 1, 9, 30),
    }


@pytest.fixture
def affiliations(tmp_path, store):
    """person name -> (affiliation, evidence) in a hand-built world."""
    identities = [EVE_WORK, EVE_HOME, WILE, ROAD, LABS, OTHER, QUIET]
    activities = acts(EVE_HOME, "2023-02-01") + acts(EVE_WORK, "2024-01-10", "2024-06-30")
    for name, (until, _) in LEAVERS.items():
        first = name.split()[0].lower()
        work = Identity(GIT, name=name, email=f"{first}@acme.example")
        home = Identity(GIT, name=name, email=f"{first}@home.example")
        identities += [work, home]
        activities += acts(work, "2023-03-01", until) + acts(home, "2024-03-15", "2024-06-20")
    for who in (WILE, ROAD, LABS, OTHER, QUIET):
        activities += acts(who, "2024-03-03")
    save_identities(store, identities)
    save_activities(store, activities)
    save_profiles(
        store,
        [
            profile(WILE, "@acme"),
            profile(ROAD, "Acme Inc."),
            profile(LABS, "Roadrunner Labs GmbH"),
            profile(OTHER, "Globex Corporation"),
        ],
    )
    settings = settings_in(tmp_path, former_after_days=180, **ACME)
    update_people(store, settings)
    people = load_people(store)
    return {
        row.name: (row.affiliation, row.affiliation_evidence)
        for row in people.itertuples(index=False)
    }


def test_company_email_in_use_is_an_employee(affiliations):
    assert affiliations["Eve Adams"] == (
        "employee",
        "company email, used 2024-01-10 to 2024-06-30",
    )


@pytest.mark.parametrize("name", sorted(LEAVERS))
def test_a_former_employee_is_past_the_grace_period(affiliations, name):
    until, label = LEAVERS[name]
    evidence = f"company email, used 2023-03-01 to {until}"
    if label == "former_employee":
        evidence += "; nothing from the company for over 180 days before 2024-06-30"
    if name == "Fay Brown":  # went on from home past the grace period: said to be a guess
        evidence += (
            "; a guess: went on from other addresses until 2024-06-20, and may still work there"
        )
    assert affiliations[name] == (label, evidence)


def test_profile_company_naming_the_company_is_an_employee(affiliations):
    assert affiliations["Wile Coyote"] == ("employee", "profile company '@acme' (2024-05-01)")
    assert affiliations["Road Runner"] == ("employee", "profile company 'Acme Inc.' (2024-05-01)")
    assert affiliations["Lab Person"] == (
        "employee",
        "profile company 'Roadrunner Labs GmbH' (2024-05-01)",
    )


def test_profile_naming_another_company_is_community(affiliations):
    assert affiliations["Glenn Globex"] == ("community", "profile company 'Globex Corporation'")


def test_nothing_known_is_unknown(affiliations):
    assert affiliations["Quinn Quiet"] == ("unknown", "")


def test_every_person_of_the_affiliation_world(affiliations):
    assert sorted(affiliations) == sorted(
        ["Eve Adams", *LEAVERS, "Wile Coyote", "Road Runner", "Lab Person", "Glenn Globex"]
        + ["Quinn Quiet"]
    )


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("@acme", "acme"),
        ("Acme Inc.", "acme"),
        ("ACME, Inc", "acme"),
        ("The Acme Corporation", "acme"),
        ("Açme GmbH", "acme"),
        ("@acme-ai", "acme ai"),
        ("Roadrunner Labs GmbH", "roadrunner labs"),
        (None, ""),
        ("Inc.", ""),
    ],
)
def test_normalise_company(text, folded):
    assert normalise_company(text) == folded


@pytest.mark.parametrize(
    ("company", "expected"),
    [
        ("@acme", True),
        ("Acme Inc.", True),
        ("Research at ACME", True),
        ("Acmeville Ltd", False),
        ("Roadrunner", False),  # every word of a name must be there
        ("Globex", False),
        ("", False),
        (None, False),
    ],
)
def test_company_matches(company, expected):
    settings = Settings(company_domains=("acme.example",), company_names=("Roadrunner Labs",))
    assert company_matches(company, settings) is expected


# --- 7. idempotency and order --------------------------------------------------------------


def test_update_people_twice_with_overrides_gives_identical_frames(tmp_path, store):
    (tmp_path / "people.toml").write_text(PEOPLE_TOML, encoding="utf-8")
    settings = settings_in(tmp_path, **ACME)
    save_identities(
        store,
        [
            SAM_HOME,
            SAM_WORK,
            SAM_HOME_GIT,
            SAM_WORK_GIT,
            JANE,
            JANIE,
            BUILD_BOX,
            EVE_WORK,
            RELEASER,
        ],
    )
    save_activities(
        store,
        acts(SAM_HOME, "2024-01-02")
        + acts(JANE, "2024-01-03")
        + comments(RELEASER, [f"Release v0.{n}.0" for n in range(12)])
        + acts(EVE_WORK, "2024-02-02"),
    )
    first = update_people(store, settings)
    people, links = load_people(store), load_identity_links(store)
    second = update_people(store, settings)
    pd.testing.assert_frame_equal(second.people, first.people)
    pd.testing.assert_frame_equal(second.links, first.links)
    pd.testing.assert_frame_equal(load_people(store), people)
    pd.testing.assert_frame_equal(load_identity_links(store), links)
    people = people.set_index("person_id")
    assert people["name"].to_dict() == {
        gh_pid(1001): "Sam Lee",
        gh_pid(200): "Release Helper",
        pid_of(JANE): "Jane Q. Doe",
        pid_of(BUILD_BOX): "build-box",
        pid_of(EVE_WORK): "Eve Adams",
    }
    assert people.loc[gh_pid(200), ["is_bot", "bot_probability"]].tolist() == [True, 1.0]
    assert people.loc[pid_of(EVE_WORK), "affiliation_evidence"] == (
        "company email, used 2024-02-02 to 2024-02-02"
    )


def test_shuffled_rows_give_the_same_people_with_overrides(tmp_path):
    (tmp_path / "people.toml").write_text(PEOPLE_TOML, encoding="utf-8")
    overrides = load_overrides(tmp_path / "people.toml")
    ids = frame(
        SAM_HOME,
        SAM_WORK,
        SAM_HOME_GIT,
        SAM_WORK_GIT,
        JANE,
        JANIE,
        BUILD_BOX,
        JDOE,
        Identity(GIT, name="Jane", email="jdoe@uni.example"),
        RUEIAN_1,
        RUEIAN_2,
    )
    expected = resolve_people(ids, Settings(), overrides=overrides, privacy_key=KEY)
    assert len(expected.people) == 6
    by_key = lambda links: links.sort_values("identity_key").reset_index(drop=True)  # noqa: E731
    for seed in range(4):
        shuffled = ids.sample(frac=1.0, random_state=seed).reset_index(drop=True)
        got = resolve_people(shuffled, Settings(), overrides=overrides, privacy_key=KEY)
        pd.testing.assert_frame_equal(got.people, expected.people)
        pd.testing.assert_frame_equal(by_key(got.links), by_key(expected.links))


def test_store_frames_resolve_like_hand_built_frames(store):
    """The identities frame from the store (float ids, NaN logins) resolves the same."""
    everyone = [SAM_HOME, SAM_WORK, SAM_HOME_GIT, JANE, JANIE, BUILD_BOX, JDOE]
    save_identities(store, everyone)
    overrides = Overrides(merges=((("github:1001", "github:1002"), ""),))
    stored = resolve_people(
        load_identities(store), Settings(), overrides=overrides, privacy_key=KEY
    )
    built = resolve_people(frame(*everyone), Settings(), overrides=overrides, privacy_key=KEY)
    pd.testing.assert_frame_equal(stored.people, built.people)
    assert link_of(stored) == link_of(built)
