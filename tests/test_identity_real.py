"""Identity rules that mining real repositories asked for: generic git names are never a
display name, automation accounts are flagged by behaviour and name, name variants,
"+tag" addresses and one local part on two domains are suggested (or, for "+tag", linked),
and every login a ranking shows finds its person.

Every world is built by hand with made-up people, so that each expected value can be
worked out on paper.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from conftest import KEY

from talent.config import Settings
from talent.model import Activity, ActivityKind, Identity, IdentitySource
from talent.people.identity import (
    BOT_FLAG,
    PersonNotFound,
    automation_bot_probability,
    automation_word,
    find_person,
    is_bot_identity,
    is_generic_name,
    name_variants,
    resolve_people,
    suggest_merges,
    update_people,
)
from talent.store import load_people, save_activities, save_identities

GIT, GITHUB = IdentitySource.GIT, IdentitySource.GITHUB


def frame(*identities: Identity) -> pd.DataFrame:
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


def pid_of(identity: Identity) -> str:
    """The id of the person ``identity`` anchors (their account, or their first key)."""
    return KEY.person_id(identity.key)


def person_of(res) -> dict[str, str]:
    return dict(zip(res.links["identity_key"], res.links["person_id"], strict=True))


def settings_in(tmp_path) -> Settings:
    return Settings(people_file=str(tmp_path / "people.toml"))


def written(who: Identity, titles: list[str], kind=ActivityKind.COMMIT, start=0) -> list:
    """One act of ``kind`` per title, a day apart from 2024-01-01."""
    first = datetime(2024, 1, 1, 12, tzinfo=UTC)
    return [
        Activity(
            key=f"{who.key}#{kind}#{start + n}",
            repo="acme/r",
            kind=kind,
            actor=who.key,
            occurred_at=first + timedelta(days=start + n),
            item=f"sha{start + n}",
            title=title,
        )
        for n, title in enumerate(titles)
    ]


VARIED = [
    "Fix the parser",
    "Add docs for install",
    "Typo in readme",
    "Drop python 3.8",
    "Refactor the loader",
    "Update changelog",
    "Move helpers into store",
    "Use a frozen dataclass",
    "Rename the option",
    "Explain the weights",
    "Cache the graph",
    "Split the module",
    "Add an example",
    "Pin the dependency",
    "Tidy imports",
    "Handle empty input",
    "Speed up the loop",
    "Guard against None",
    "Document the CLI",
    "Faster startup",
]


# --- display names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "generic"),
    [
        ("Ubuntu", True),
        ("root", True),
        ("Your Name", True),
        ("ec2-user", True),
        ("ip-10-1-2-3", True),
        ("ip-10-1-2-3.ec2.internal", True),
        ("Janas-MacBook-Pro.local", True),
        ("build-box.lan", True),
        ("", True),
        ("Jana Novak", False),
        ("jnovak", False),
        ("j.novak", False),  # a handle with a dot is not a host
        ("Cicero", False),
    ],
)
def test_is_generic_name(name, generic):
    assert is_generic_name(name) is generic


def test_a_generic_git_name_never_beats_a_real_name():
    # "Ubuntu" is the commonest git name of this person, still never the one shown.
    same = "jana@mail.example"
    boxes = [Identity(GIT, name=n, email=same) for n in ("Ubuntu", "ubuntu ", "UBUNTU")]
    real = Identity(GIT, name="Jana Novak", email=same)
    res = resolve_people(frame(*boxes, real), Settings(), privacy_key=KEY)
    assert res.people["name"].tolist() == ["Jana Novak"]


def test_a_generic_git_name_gives_way_to_the_login():
    box = Identity(GIT, name="root", email="1234+jnovak@users.noreply.github.com")
    host = Identity(GIT, name="Janas-MacBook-Pro.local", email="jnovak@users.noreply.github.com")
    res = resolve_people(frame(box, host), Settings(), privacy_key=KEY)
    assert res.people[["name", "login"]].values.tolist() == [["jnovak", "jnovak"]]


def test_a_generic_name_stays_when_there_is_nothing_better():
    box = Identity(GIT, name="ubuntu", email="ops@box.example")
    res = resolve_people(frame(box), Settings(), privacy_key=KEY)
    assert res.people["name"].tolist() == ["ubuntu"]


def test_a_full_name_beats_a_more_used_handle():
    same = "jn@mail.example"
    handles = [Identity(GIT, name=n, email=same) for n in ("jnovak", "jana-novak")]
    real = Identity(GIT, name="jana novak", email=same)
    res = resolve_people(frame(*handles, real), Settings(), privacy_key=KEY)
    assert res.people["name"].tolist() == ["jana novak"]


# --- logins: missing is missing ----------------------------------------------------------


def test_people_without_a_login_have_a_missing_login(tmp_path, store):
    with_login = Identity(GIT, name="Jana Novak", email="7+jnovak@users.noreply.github.com")
    without = Identity(GIT, name="Piet Smit", email="piet@mail.example")
    res = resolve_people(frame(with_login, without), Settings(), privacy_key=KEY)
    logins = res.people.set_index("person_id")["login"]
    assert logins[pid_of(with_login)] == "jnovak"
    assert pd.isna(logins[pid_of(without)])
    save_identities(store, [with_login, without])
    update_people(store, settings_in(tmp_path))
    stored = load_people(store).set_index("person_id")["login"]
    assert pd.isna(stored[pid_of(without)]) and stored[pid_of(with_login)] == "jnovak"
    assert not {"", "None", "nan"} & {str(v) for v in stored if isinstance(v, str)}


# --- automation accounts -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("login", "name", "bot"),
    [
        ("acme-bot", "", True),
        (None, "Deploy Robot", True),
        ("docs-automation", "", True),
        ("robot-fan", "", False),  # "robot" is not the last word
        ("abbott", "Jane Abbott", False),
        ("cicero", "Marcus Cicero", False),
        ("ghostplant", "", False),
        ("zbot", "", False),  # one word: nothing to tell
    ],
)
def test_bot_by_last_word_of_login_or_name(login, name, bot):
    assert is_bot_identity(login, name, "", "User") is bot


@pytest.mark.parametrize(
    ("texts", "word"),
    [
        (("acme-ghost", "Acme Ghost"), "ghost"),
        (("auto-merger", ""), "auto"),
        (("release-keeper", ""), "release"),
        (("", "Nightly CI"), "ci"),
        (("abbott", "Jane Abbott"), None),
        (("cicero", "Marcus Cicero"), None),
        (("ghostplant", ""), None),
        (("autotest", ""), None),
        (("jnovak", None), None),
    ],
)
def test_automation_word_is_a_whole_word(texts, word):
    assert automation_word(*texts) == word


# An automation account: two templates take 36 of its 40 commit subjects.
TEMPLATED = (
    [f"Add test for checkpoint from 1.{n} (#{100 + n})" for n in range(20)]
    + [f"docs: refresh tutorials (#{200 + n})" for n in range(16)]
    + VARIED[:4]
)


def test_templates_and_an_automation_word_flag_a_bot():
    assert automation_bot_probability(TEMPLATED, word="ghost") == (
        1.0,
        "the word 'ghost' in its name, 36 of 40 messages follow 2 templates",
    )


def test_the_same_templates_without_an_automation_word_stay_human():
    # Two templates of 20 and 16: top share 0.5, 6 patterns in 40; no merges.
    assert automation_bot_probability(TEMPLATED) == (0.0, "")


def test_an_automation_word_alone_proves_nothing():
    assert automation_bot_probability(VARIED, word="ci") == (0.0, "")


def test_half_templated_with_an_automation_word_is_only_suspected():
    titles = [f"docs: refresh tutorials (#{n})" for n in range(10)] + VARIED[:10]
    # 10 of 20 in one template: (0.5 - 0.3) / 0.4 = 0.5, under the flag.
    probability, why = automation_bot_probability(titles, word="release")
    assert (probability, why) == (
        0.5,
        "the word 'release' in its name, 10 of 20 messages follow 1 templates",
    )
    assert probability < BOT_FLAG


@pytest.mark.parametrize(
    ("machine", "own", "expected"),
    [
        (12, 0, 1.0),  # merges only
        (18, 2, 1.0),  # 90%
        (14, 6, 0.5),  # 70%: (0.7 - 0.5) / 0.4
        (10, 10, 0.0),  # half: a maintainer who merges and writes
    ],
)
def test_share_of_merges_and_automated_subjects(machine, own, expected):
    subjects = [
        "Merge pull request #1 from ann/fix",
        "Merge branch 'main' into dev",
        "Update version to 2.0",
        "[automated] Sync translations",
    ]
    titles = [subjects[n % 4].replace("1", str(n)) for n in range(machine)] + VARIED[:own]
    probability, why = automation_bot_probability(titles)
    assert probability == expected
    if expected:
        assert why == f"{machine} of {machine + own} messages are merges or automated subjects"


GHOST = Identity(GIT, name="Acme Ghost", email="99+acme-ghost@users.noreply.github.com")
MERGER = Identity(GIT, name="Lena Berg", email="lena@mail.example")
MAINTAINER = Identity(GIT, name="Omar Haddad", email="omar@mail.example")
HUMAN_CI = Identity(GIT, name="Ci Wong", email="ci@mail.example")


def test_behaviour_flags_automation_and_keeps_busy_maintainers_human(tmp_path, store):
    save_identities(store, [GHOST, MERGER, MAINTAINER, HUMAN_CI])
    merges = [f"Merge pull request #{n} from dev{n}/fix-{n}" for n in range(20)]
    save_activities(
        store,
        written(GHOST, TEMPLATED)
        # Merge commits only: automation whatever the name says.
        + written(MERGER, merges[:12], ActivityKind.MERGE_COMMIT)
        # Twenty merges and twenty commits of their own.
        + written(MAINTAINER, merges, ActivityKind.MERGE_COMMIT)
        + written(MAINTAINER, VARIED, start=100)
        # Named like automation ("ci"), writes like a person.
        + written(HUMAN_CI, VARIED)
        # Others' messages (signed off, co-authored) are not the actor's own.
        + written(MAINTAINER, ["Merge branch 'x'"] * 40, ActivityKind.SIGNED_OFF_BY, 200),
    )
    res = update_people(store, settings_in(tmp_path))
    got = res.people.set_index("person_id")[["is_bot", "bot_probability", "bot_evidence"]]
    assert got.loc[pid_of(GHOST)].tolist() == [
        True,
        1.0,
        "the word 'ghost' in its name, 36 of 40 messages follow 2 templates",
    ]
    assert got.loc[pid_of(MERGER)].tolist() == [
        True,
        1.0,
        "12 of 12 messages are merges or automated subjects",
    ]
    assert got.loc[pid_of(MAINTAINER)].tolist() == [False, 0.0, ""]
    assert got.loc[pid_of(HUMAN_CI)].tolist() == [False, 0.0, ""]
    stored = load_people(store).set_index("person_id")
    assert stored.loc[pid_of(GHOST), ["is_bot", "bot_probability"]].tolist() == [True, 1.0]


# --- links and suggestions ----------------------------------------------------------------


def suggestions(*identities: Identity):
    ids = frame(*identities)
    res = resolve_people(ids, Settings(), privacy_key=KEY)
    return res, suggest_merges(ids, res.links, res.people)


def test_plus_tag_address_is_the_same_mailbox_and_links():
    plain = Identity(GIT, name="Jana Novak", email="jnovak@mail.example")
    tagged = Identity(GIT, name="Jana N", email="JNovak+github@mail.example")
    other_tag = Identity(GIT, name="jn", email="jnovak+work@mail.example")
    res, found = suggestions(plain, tagged, other_tag)
    assert len(res.people) == 1 and len(set(person_of(res).values())) == 1
    methods = dict(zip(res.links["identity_key"], res.links["method"], strict=True))
    assert methods[tagged.key] == methods[other_tag.key] == "email_subaddress"
    assert found.empty


def test_plus_tag_on_two_accounts_is_only_suggested():
    one = Identity(GIT, name="Jana Novak", email="jnovak@mail.example", login="jnovak")
    two = Identity(GIT, name="Team Jana", email="jnovak+team@mail.example", login="jana-team")
    res, found = suggestions(one, two)
    assert len(res.people) == 2
    a, b = sorted([pid_of(one), pid_of(two)])
    assert found.to_dict("records") == [
        {"person_a": a, "person_b": b, "reason": "same mailbox with a +tag (jnovak)"}
    ]


def test_plus_tag_on_another_domain_is_another_mailbox():
    one = Identity(GIT, name="Jana Novak", email="jnovak@mail.example")
    two = Identity(GIT, name="Piet Smit", email="jnovak+x@other.example")
    res, _ = suggestions(one, two)
    assert len(res.people) == 2


@pytest.mark.parametrize(
    ("short", "key"),
    [("J. Novak", "j novak"), ("Jana N", "jana n"), ("Jana N.", "jana n")],
)
def test_a_name_with_an_initial_is_suggested_not_merged(short, key):
    full = Identity(GIT, name="Jana Novak", email="jana@home.example")
    abbreviated = Identity(GIT, name=short, email="jn@work.example")
    res, found = suggestions(full, abbreviated)
    assert len(res.people) == 2
    a, b = sorted([pid_of(full), pid_of(abbreviated)])
    assert found.to_dict("records") == [
        {"person_a": a, "person_b": b, "reason": f"same name with an initial ({key})"}
    ]


def test_two_full_names_sharing_an_initial_are_not_suggested():
    john = Identity(GIT, name="John Smith", email="john@a.example")
    jane = Identity(GIT, name="Jane Smith", email="jane@b.example")
    _, found = suggestions(john, jane)
    assert found.empty


def test_two_accounts_both_written_j_smith_are_suggested_not_merged():
    one = Identity(GIT, name="J. Smith", email="1+jsmith@users.noreply.github.com")
    two = Identity(GIT, name="J. Smith", email="2+jsmith-work@users.noreply.github.com")
    res, found = suggestions(one, two)
    assert len(res.people) == 2
    assert found["reason"].tolist() == ["same full name, different GitHub accounts (j smith)"]


@pytest.mark.parametrize(
    ("local", "suggested"),
    [("novakova.j", True), ("jn12", False), ("info", False), ("contact", False)],
)
def test_same_local_part_on_two_domains(local, suggested):
    one = Identity(GIT, name="Jana Novakova", email=f"{local}@uni.example")
    two = Identity(GIT, name="Novakova", email=f"{local}@corp.example")
    res, found = suggestions(one, two)
    assert len(res.people) == 2
    expected = [f"same email local part on two domains ({local})"] if suggested else []
    assert found["reason"].tolist() == expected


def test_generic_names_are_never_suggested():
    boxes = [
        Identity(GIT, name=n, email=f"ops{i}@box{i}.example")
        for i, n in enumerate(["Ubuntu", "ubuntu", "root", "root"])
    ]
    _, found = suggestions(*boxes)
    assert found.empty


def test_name_variants():
    assert name_variants("Jana (JN) Novak") == ({"j novak", "jana n"}, set())
    assert name_variants("Jana") == (set(), set())
    assert name_variants("Ubuntu Server") == ({"u server", "ubuntu s"}, set())


# --- finding a person ------------------------------------------------------------------


def test_every_login_a_ranking_shows_finds_its_person(tmp_path, store):
    from talent.ranking.scoring import rank_store

    account = Identity(GITHUB, name="Piet Smit", login="psmit", github_id=5, type="User")
    hinted = Identity(GIT, name="Piet Smit", email="piet@mail.example", login="psmit")
    noreply_only = Identity(GIT, name="Jana Novak", email="77+JNovak@users.noreply.github.com")
    plain = Identity(GIT, name="Omar Haddad", email="omar@mail.example")
    everyone = [account, hinted, noreply_only, plain]
    save_identities(store, everyone)
    save_activities(store, [a for who in everyone[1:] for a in written(who, VARIED[:5])])
    settings = settings_in(tmp_path)
    update_people(store, settings)
    ranking = rank_store(store, settings, include_bots=True)
    shown = sorted(ranking["login"].dropna())
    assert shown == ["JNovak", "psmit"]
    for login in shown:
        found = find_person(store, login)
        assert ranking.set_index("person_id").loc[found, "login"] == login
    assert find_person(store, "jnovak") == pid_of(noreply_only)
    assert find_person(store, "login:JNOVAK") == pid_of(noreply_only)
    assert find_person(store, "omar@mail.example") == pid_of(plain)
    assert find_person(store, "Omar Haddad") == pid_of(plain)
    assert find_person(store, pid_of(account)) == pid_of(account)  # a person id
    with pytest.raises(PersonNotFound, match="nobody matches 'nobody-here'"):
        find_person(store, "nobody-here")


def test_a_name_that_two_people_share_is_ambiguous(tmp_path, store):
    one = Identity(GIT, name="Alex", email="alex@a.example")
    two = Identity(GIT, name="Alex", email="alex@b.example")
    save_identities(store, [one, two])
    update_people(store, settings_in(tmp_path))
    with pytest.raises(PersonNotFound, match="'Alex' matches 2 people"):
        find_person(store, "Alex")
