"""The demo world: deterministic, and containing what the product must cope with."""

from __future__ import annotations

import re
from collections import Counter

import pandas as pd
import pytest

from talent.mining import save_demo
from talent.model import ActivityKind, IdentitySource
from talent.sources.demo import (
    ARCHETYPES,
    COMPANY_DOMAIN,
    END,
    ORG,
    SIZES,
    START,
    generate_demo,
)
from talent.store import (
    get_meta,
    load_activities,
    load_commit_files,
    load_identities,
    load_repos,
    open_store,
)

DANGEROUS = ("=", "+", "-", "@")


@pytest.fixture(scope="module")
def default_world():
    """The world a new user sees: default seed and size."""
    return generate_demo()


def _acts_per_person(world) -> Counter:
    return Counter(world.truth[a.actor] for a in world.activities)


def test_same_seed_same_records(demo_world):
    again = generate_demo(7, "small")
    assert again.repos == demo_world.repos
    assert again.identities == demo_world.identities
    assert again.activities == demo_world.activities
    assert again.commit_files == demo_world.commit_files
    assert again.truth == demo_world.truth
    assert again.people == demo_world.people


def test_same_seed_same_database(tmp_path, demo_world):
    frames = []
    for name in ("one.db", "two.db"):
        engine = open_store(f"sqlite:///{tmp_path / name}")
        save_demo(engine, generate_demo(7, "small"))
        frames.append(
            [
                load(engine)
                for load in (load_repos, load_identities, load_activities, load_commit_files)
            ]
        )
        assert get_meta(engine, "company_domains") == COMPANY_DOMAIN
        assert get_meta(engine, "demo_org") == ORG
        engine.dispose()
    for left, right in zip(*frames, strict=True):
        assert len(left) > 0
        pd.testing.assert_frame_equal(left, right)
    assert len(frames[0][2]) == len(demo_world.activities) + len(demo_world.hub.activities)


def test_different_seed_differs(demo_world):
    other = generate_demo(8, "small")
    assert other.activities != demo_world.activities
    assert {a.key for a in other.activities} != {a.key for a in demo_world.activities}
    # The repositories are the company's, whatever the seed.
    assert other.repos == demo_world.repos


def test_unknown_size_raises():
    with pytest.raises(ValueError, match="unknown size 'huge'"):
        generate_demo(7, "huge")


def test_sizes_scale_the_population(demo_world, default_world):
    humans = [p for p in demo_world.people if not p.is_bot]
    assert SIZES["small"] - 5 <= len(humans) <= SIZES["small"] + 5
    assert len(default_world.people) > 3 * len(demo_world.people)


def test_bots_present(demo_world):
    # Logins of accounts, and logins the commit API gives git identities.
    logins = {i.login for i in demo_world.identities if i.login}
    bot_logins = {login for login in logins if login.endswith("[bot]")}
    assert {"dependabot[bot]", "github-actions[bot]", "pre-commit-ci[bot]"} <= bot_logins
    assert "codecov-commenter" in logins
    bot_types = {
        i.type
        for i in demo_world.identities
        if i.source == IdentitySource.GITHUB and i.login in bot_logins
    }
    assert bot_types == {"Bot"}
    # Bots act: dependabot opens PRs, codecov-commenter comments.
    by_login = {i.key: i.login for i in demo_world.identities}
    kinds = Counter((by_login.get(a.actor), a.kind) for a in demo_world.activities)
    assert kinds[("dependabot[bot]", ActivityKind.PR_OPENED)] > 50
    assert kinds[("codecov-commenter", ActivityKind.ISSUE_COMMENT)] > 50


def test_employees_have_company_emails(demo_world):
    employees = [p for p in demo_world.people if p.employee]
    assert len(employees) >= 10
    company = [i for i in demo_world.identities if i.email.endswith("@" + COMPANY_DOMAIN)]
    assert len(company) >= 10
    owners = {demo_world.truth[i.key] for i in company}
    employee_ids = {p.index for p in employees}
    assert owners <= employee_ids  # only employees use the company domain
    assert len(owners) >= 10


def test_people_with_several_git_emails(demo_world):
    emails = Counter()
    for ident in demo_world.identities:
        if ident.source == IdentitySource.GIT and ident.email:
            emails[demo_world.truth[ident.key]] += 1
    several = [person for person, n in emails.items() if n >= 2 and person >= 0]
    assert len(several) >= 10


def test_non_ascii_names(demo_world):
    names = {i.name for i in demo_world.identities}
    non_ascii = {n for n in names if any(ord(ch) > 127 for ch in n)}
    assert len(non_ascii) >= 10
    assert any(re.search(r"[\u4e00-\u9fff\uac00-\ud7af]", n) for n in non_ascii)  # CJK


def test_hostile_names_in_the_default_world(default_world):
    names = {i.name for i in default_world.identities}
    for prefix in DANGEROUS:
        assert any(n.startswith(prefix) for n in names), prefix
    assert any("<script>" in n for n in names)


def test_hostile_names_in_the_small_world(demo_world):
    # The small world has fewer people, so only the first hostile names occur.
    names = {i.name for i in demo_world.identities} | {p.name for p in demo_world.people}
    assert any(n.startswith("=HYPERLINK(") for n in names)
    assert "+1 Intern" in names


def test_hostile_titles(demo_world):
    titles = {a.title for a in demo_world.activities}
    for prefix in DANGEROUS:
        assert any(t.startswith(prefix) for t in titles), prefix
    assert any("onerror=" in t for t in titles)


def test_activity_is_heavy_tailed(demo_world):
    counts = _acts_per_person(demo_world)
    humans = [p.index for p in demo_world.people if not p.is_bot]
    per_person = sorted((counts.get(i, 0) for i in humans), reverse=True)
    top = per_person[: len(per_person) // 10]
    assert sum(top) > 0.5 * sum(per_person)
    # ...and a long tail of people with a handful of acts.
    assert sum(1 for n in per_person if n <= 5) >= len(per_person) // 3


def test_reviewers_who_rarely_commit(demo_world):
    reviewers = [p for p in demo_world.people if p.archetype == "reviewer"]
    assert len(reviewers) >= 2
    for person in reviewers:
        kinds = Counter(
            a.kind for a in demo_world.activities if demo_world.truth[a.actor] == person.index
        )
        assert kinds[ActivityKind.REVIEW] >= 20
        assert kinds[ActivityKind.COMMIT] <= 5
        assert kinds[ActivityKind.REVIEW] > 4 * kinds[ActivityKind.COMMIT]


def test_activity_within_the_world_span(demo_world):
    times = [a.occurred_at for a in demo_world.activities]
    assert min(times) >= START
    assert max(times) <= END
    assert all(t.tzinfo is not None for t in times)
    # Sorted oldest first, as a source yields them.
    assert times == sorted(times)


def test_records_are_consistent(demo_world):
    keys = {i.key for i in demo_world.identities}
    repos = {r.full_name for r in demo_world.repos}
    assert all(r.startswith(ORG + "/") for r in repos)
    for act in demo_world.activities:
        assert act.actor in keys
        assert act.counterpart is None or act.counterpart in keys
        assert act.repo in repos
    assert len({a.key for a in demo_world.activities}) == len(demo_world.activities)
    commits = {a.item for a in demo_world.activities if a.kind == ActivityKind.COMMIT}
    assert {f.sha for f in demo_world.commit_files} <= commits


def test_demo_maintainers_tag_releases_and_backport_others_fixes(demo_world):
    people = demo_world.people
    person_of = demo_world.truth
    merge_rights = {a.name: a.merge_rights for a in ARCHETYPES}
    tags = [a for a in demo_world.activities if a.kind == ActivityKind.RELEASE_TAGGED]
    backports = [a for a in demo_world.activities if a.kind == ActivityKind.BACKPORT]
    assert tags and backports
    for tag in tags:
        # Tagged by one of the repository's people who hold the merge button.
        tagger = people[person_of[tag.actor]]
        assert merge_rights[tagger.archetype] and tag.repo in tagger.repos
        assert tag.url.endswith(f"/{tag.repo}/releases/tag/{tag.item}")
    commits = {a.actor for a in demo_world.activities if a.kind == ActivityKind.COMMIT}
    for fix in backports:
        other = people[person_of[fix.counterpart]]
        # Someone else's fix, a person's, who committed to the project.
        assert not other.is_bot and fix.counterpart in commits
        assert person_of[fix.counterpart] != person_of[fix.actor]
        assert fix.title.startswith("[release-0.")
