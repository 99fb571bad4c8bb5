"""The store's tables (SQLAlchemy Core). Natural keys everywhere; see DESIGN.md."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
)
from sqlalchemy import String as _String
from sqlalchemy import Text as _Text


# Text compares and sorts by code point on every backend, as SQLite does: a PostgreSQL
# database made with a language's collation (en_US.UTF-8) would otherwise order rows,
# and so ties in rankings and the order of reports, differently from SQLite.
def String(length: int | None = None):
    return _String(length).with_variant(_String(length, collation="C"), "postgresql")


Text = _Text().with_variant(_Text(collation="C"), "postgresql")

SCHEMA_VERSION = 16

metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True),
)

meta = Table(
    "meta",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)

repos = Table(
    "repos",
    metadata,
    Column("full_name", String(300), primary_key=True),
    Column("origin", String(20), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("url", Text, nullable=False, default=""),
    Column("default_branch", String(300), nullable=False, default=""),
    Column("is_fork", Boolean, nullable=False, default=False),
    Column("is_archived", Boolean, nullable=False, default=False),
)

identities = Table(
    "identities",
    metadata,
    Column("key", String(600), primary_key=True),
    Column("source", String(20), nullable=False),
    Column("name", Text, nullable=False, default=""),
    Column("email", Text, nullable=False, default=""),
    Column("login", String(100)),
    Column("github_id", Integer),
    Column("type", String(40), nullable=False, default=""),
)

people = Table(
    "people",
    metadata,
    Column("person_id", String(100), primary_key=True),
    Column("name", Text, nullable=False, default=""),
    Column("login", String(100)),  # the GitHub login
    Column("profile_url", Text),  # GitHub's page, else another platform's (the Hub's)
    Column("is_bot", Boolean, nullable=False, default=False),
    Column("bot_probability", Float, nullable=False, default=0.0),
    Column("affiliation", String(30), nullable=False, default="unknown"),
    Column("affiliation_evidence", Text, nullable=False, default=""),
    # Why the person is a bot or not one person ("a role address (nobody@)"), or "".
    Column("bot_evidence", Text, nullable=False, default=""),
    # Where the login came from ("from a noreply address"), or "" with no login.
    Column("login_source", Text, nullable=False, default=""),
    # The span of work with the company's evidence (affiliation employee or former).
    Column("employed_from", DateTime),
    Column("employed_until", DateTime),
)

identity_links = Table(
    "identity_links",
    metadata,
    Column("identity_key", String(600), primary_key=True),
    Column("person_id", String(100), nullable=False, index=True),
    Column("method", String(40), nullable=False),
    Column("confidence", Float, nullable=False),
)

activities = Table(
    "activities",
    metadata,
    Column("key", String(700), primary_key=True),
    Column("repo", String(300), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("actor", String(600), nullable=False),
    Column("counterpart", String(600)),
    Column("item", String(400)),
    Column("occurred_at", DateTime, nullable=False),
    Column("size", Integer),
    Column("title", Text, nullable=False, default=""),
    Column("url", Text, nullable=False, default=""),
    Column("state", String(40), nullable=False, default=""),
    # The pull request a commit belongs to, as its subject says: "(#123)" or
    # "Merge pull request #123": the link between git and GitHub data.
    Column("pr_number", Integer),
    Index("ix_activities_repo_time", "repo", "occurred_at"),
    Index("ix_activities_actor", "actor"),
)

# Public profile of a GitHub account, fetched at most once per login and refresh age.
profiles = Table(
    "profiles",
    metadata,
    Column("github_id", Integer, primary_key=True),
    Column("login", String(100), nullable=False),
    Column("name", Text),
    Column("company", Text),
    Column("location", Text),
    Column("blog", Text),
    Column("followers", Integer),
    Column("fetched_at", DateTime, nullable=False),
)

# Who shows their membership of a mined GitHub organisation (``/orgs/{org}/public_members``),
# as of the last fetch: the organisation's own people, whatever their email says.
org_members = Table(
    "org_members",
    metadata,
    Column("org", String(100), primary_key=True),
    Column("github_id", Integer, primary_key=True),
    Column("login", String(100), nullable=False),
    Column("fetched_at", DateTime, nullable=False),
)

# Members of an organisation on a platform other than GitHub (the Hugging Face Hub),
# by identity key: ``org`` is "SOURCE:name" (``hf:acme-ai``). Replaced per organisation on
# every fetch, like ``org_members``.
account_members = Table(
    "account_members",
    metadata,
    Column("org", String(200), primary_key=True),
    Column("identity_key", String(300), primary_key=True),
    Column("fetched_at", DateTime, nullable=False),
)

# Who a repository's owner files (CODEOWNERS, OWNERS, MAINTAINERS, governance docs) name,
# for which path pattern or role, from when to when (``until`` null while still named).
# Rebuilt per repository from the files' whole history on every mine.
named_owners = Table(
    "named_owners",
    metadata,
    Column("repo", String(300), primary_key=True),
    Column("source", String(500), primary_key=True),  # the file that names them
    Column("owner", String(300), primary_key=True),  # login, org/team or e-mail as written
    Column("pattern", String(500), primary_key=True),  # path pattern, "" for a people list
    Column("role", String(200), primary_key=True),
    Column("since", DateTime, primary_key=True),
    Column("kind", String(20), nullable=False),  # user, team, email
    Column("until", DateTime),
    # Where the pattern stands in its file (CODEOWNERS: the last matching line wins).
    Column("line", Integer, nullable=False, default=0),
)
Index("named_owners_owner", named_owners.c.owner)

# Names owner files write beside logins ("Ada Lovelace | ada" in a MAINTAINERS table),
# with the line as written: identity evidence (talent.people.identity). Rebuilt per repository
# from the files' whole history with its named_owners.
owner_pairings = Table(
    "owner_pairings",
    metadata,
    Column("repo", String(300), primary_key=True),
    Column("source", String(500), primary_key=True),  # the file that wrote it
    Column("login", String(100), primary_key=True),
    Column("name", String(300), primary_key=True),
    Column("email", String(300), primary_key=True),  # "" when none was written
    Column("text", Text, nullable=False, default=""),  # the line, e-mails left out
    Column("line", Integer, nullable=False, default=0),
)

# The files at the head a repository was last mined at: what the truck factor counts
# (deleted files would otherwise inflate it) and what owner patterns govern.
head_files = Table(
    "head_files",
    metadata,
    Column("repo", String(300), primary_key=True),
    Column("path", String(1000), primary_key=True),
)

# What a source knows about two raw identities being one person, e.g. a .mailmap entry.
# Identity resolution reads these next to its own rules.
identity_evidence = Table(
    "identity_evidence",
    metadata,
    Column("key", String(600), primary_key=True),
    Column("other", String(600), primary_key=True),
    Column("method", String(40), primary_key=True),
    Column("confidence", Float, nullable=False),
)

# Retired: a recruiter's one verdict per person ("shortlisted" or "rejected"), written by
# talent before verdicts became stages on the default shortlist. Opening a store moves
# its rows there (talent.store._move_verdicts); nothing writes it any more.
feedback = Table(
    "feedback",
    metadata,
    Column("person_id", String(100), primary_key=True),
    Column("label", String(20), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("noted_at", DateTime, nullable=False),
)

# People who asked to be left out, as salted hashes of what they are known by
# (talent.model.identity_tokens): the list itself names nobody. The salt is the meta
# ``privacy_salt``. Sync drops what matches at ingest; talent.people.privacy purges the rest.
suppressions = Table(
    "suppressions",
    metadata,
    Column("hash", String(64), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("added_at", DateTime, nullable=False),
)

# Named shortlists ("inference engineer", "DevRel"): an entry per person with a stage and
# tags, versioned for optimistic concurrency (a change names the version it was made on);
# every change and every note is an event, so the history is complete.
shortlists = Table(
    "shortlists",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(200), nullable=False, default=""),
)

shortlist_entries = Table(
    "shortlist_entries",
    metadata,
    Column("shortlist", String(200), primary_key=True),
    Column("person_id", String(100), primary_key=True),
    Column("stage", String(40), nullable=False),
    Column("tags", Text, nullable=False, default=""),  # sorted, one per line
    Column("version", Integer, nullable=False),
    Column("added_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("updated_by", String(200), nullable=False, default=""),
)

shortlist_events = Table(
    "shortlist_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("shortlist", String(200), nullable=False),
    Column("person_id", String(100), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("who", String(200), nullable=False, default=""),
    Column("what", String(20), nullable=False),  # added, stage, tags, note, removed
    Column("old", Text, nullable=False, default=""),
    Column("new", Text, nullable=False, default=""),
    Index("ix_shortlist_events_entry", "shortlist", "person_id"),
)

# Who a shortlist is shared with: a hiring manager (by their sign-in address, lower
# case) sees and comments on the lists shared with them, and no other. No person ids:
# an opt-out has nothing to remove here.
shortlist_shares = Table(
    "shortlist_shares",
    metadata,
    Column("shortlist", String(200), primary_key=True),
    Column("email", String(320), primary_key=True),
    Column("shared_at", DateTime, nullable=False),
    Column("shared_by", String(200), nullable=False, default=""),
)

# Saved searches (a profile, filters and skill words, as JSON) and what each digest saw:
# a row per person in the search's top, so the next digest can say what changed.
saved_searches = Table(
    "saved_searches",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("spec", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

digest_snapshots = Table(
    "digest_snapshots",
    metadata,
    Column("search", String(200), primary_key=True),
    Column("taken_at", DateTime, primary_key=True),
    Column("person_id", String(100), primary_key=True),
    Column("rank", Integer, nullable=False),
    Column("score", Float, nullable=False),
    Column("rising", Boolean, nullable=False, default=False),
    Column("last_active", DateTime),
    Column("contributions", Text, nullable=False, default="{}"),  # signal -> contribution
)

# People the company's applicant tracking system already has, as an import of its export
# matched them: the person and how (login or e-mail), never the file's rows or addresses.
ats_marks = Table(
    "ats_marks",
    metadata,
    Column("person_id", String(100), primary_key=True),
    Column("matched_by", String(20), nullable=False),
    Column("source", String(300), nullable=False, default=""),
    Column("imported_at", DateTime, nullable=False),
)

commit_files = Table(
    "commit_files",
    metadata,
    Column("repo", String(300), primary_key=True),
    Column("sha", String(64), primary_key=True),
    Column("path", String(1000), primary_key=True),
    Column("additions", Integer),
    Column("deletions", Integer),
)

# Who saw what (talent.people.accesslog): one entry per view of a Candidate page, export or
# outreach draft, with who, when, from where (app or cli) and the filters as JSON; the
# people it named are rows of ``access_log_people``, so "by person" reads an index and a
# purge removes one person from an export of many. Kept ``[access] retention_days``.
access_log = Table(
    "access_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False, index=True),  # UTC
    Column("who", String(200), nullable=False, default=""),
    Column("action", String(20), nullable=False),  # view, export, outreach
    Column("where", String(10), nullable=False),  # app, cli
    Column("filters", Text, nullable=False, default="{}"),
)

access_log_people = Table(
    "access_log_people",
    metadata,
    Column("entry_id", Integer, primary_key=True),
    Column("person_id", String(100), primary_key=True),
    Index("ix_access_log_people_person", "person_id"),
)

sync_state = Table(
    "sync_state",
    metadata,
    Column("repo", String(300), primary_key=True),
    Column("resource", String(100), primary_key=True),
    Column("watermark", Text),
    Column("etag", Text),
    Column("updated_at", DateTime),
)

# Every other table's version, one more in each transaction that writes it (INSERT,
# UPDATE, DELETE through any path of the engine, raw SQL too: talent.store.versions), so
# a result derived from some tables is known stale as soon as one of them changes.
table_versions = Table(
    "table_versions",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("version", BigInteger, nullable=False, default=0),
)

# Results derived from the data (rankings, reports), shared by every process that opens
# the store (talent.store.derived): ``key`` covers the result's name, arguments and the
# versions of the tables it reads; ``scope`` the name and arguments only (a newer result
# of the same scope replaces the older). ``payload`` is Arrow IPC.
derived_results = Table(
    "derived_results",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("scope", String(64), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("made_at", DateTime, nullable=False),
    Column("payload", LargeBinary, nullable=False),
)


# Explicit migrations: version -> statements that bring version - 1 up to it. Tables
# that are new in a version are made by ``metadata.create_all``; columns added to an
# existing table need their ALTER here.
MIGRATIONS: dict[int, list[str]] = {
    2: ["ALTER TABLE activities ADD COLUMN pr_number INTEGER"],
    3: [],  # the profiles table
    4: [],  # the feedback table
    5: [],  # the org_members table
    6: [],  # the named_owners and head_files tables
    7: ["ALTER TABLE people ADD COLUMN profile_url TEXT"],  # and the account_members table
    8: [],  # the suppressions table
    9: [],  # shortlists, shortlist_entries, shortlist_events, saved_searches, digest_snapshots
    10: [],  # ats_marks
    11: [],  # owner_pairings
    12: [
        "ALTER TABLE people ADD COLUMN bot_evidence TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE people ADD COLUMN login_source TEXT NOT NULL DEFAULT ''",
    ],
    13: [
        "ALTER TABLE people ADD COLUMN employed_from TIMESTAMP",
        "ALTER TABLE people ADD COLUMN employed_until TIMESTAMP",
    ],
    14: [],  # access_log, access_log_people
    15: [],  # shortlist_shares
    16: [],  # table_versions, derived_results
}
