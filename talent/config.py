"""Typed settings, passed explicitly from the shells (CLI, app, notebook) to the library.

There is no global configuration: every function that needs a setting takes a
:class:`Settings` (or the single value it needs) as an argument.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import quote, urlencode

from talent.files import MAX_SETTINGS_BYTES, InputFileError, parse_toml_limited, read_text_limited

DEFAULT_DB_FILE = "talent.db"
DB_ENV_VAR = "TALENT_DB"


# The signals a profile may weigh; :mod:`talent.ranking.scoring` says what each measures.
SIGNAL_NAMES = (
    "activity", "recent_activity", "pagerank", "trust", "ownership", "tenure", "reviews",
    "momentum", "merge_ratio", "review_depth", "tests_docs", "responsiveness", "breadth",
    "issues_resolved", "derivatives", "releases", "backports", "reverts", "infra",
    "governance",
)  # fmt: skip
SCALINGS = ("log_max", "quantile", "learned")
AFFILIATIONS = ("employee", "former_employee", "community", "unknown")


@dataclass(frozen=True)
class Profile:
    """A way of ranking: which signals count and how much (see :mod:`talent.ranking.scoring`).

    Parameters
    ----------
    name:
        What ``--profile`` and the app call it.
    weights:
        ``(signal, weight)`` pairs; signals not named weigh nothing. Each signal is
        scaled to [0, 1], so weights that sum to 1 keep a score in [0, 1].
    scaling:
        ``"log_max"``: counts are log-scaled against the highest, shares kept as they are;
        ``"quantile"``: every signal becomes the share of people below it (zero stays zero);
        ``"learned"``: that share goes through the curve the maintainer model learned for
        the signal (:mod:`talent.ranking.learning`), times the weight.
    affiliations:
        Whom a ranking with this profile shows by default (empty: everyone).
    description:
        One line for ``--help`` and the app.
    model:
        With ``learned`` scaling: the model file (``talent model train``); empty for
        the one shipped with talent.
    """

    name: str
    weights: tuple[tuple[str, float], ...]
    scaling: str = "log_max"
    affiliations: tuple[str, ...] = ()
    description: str = ""
    model: str = ""

    def as_dict(self) -> dict[str, float]:
        return dict(self.weights)


# "Who holds this project together": sustained work, standing in the collaboration graph,
# being trusted with others' work, owning files, staying, reviewing. Activity is the
# backbone because, on the real histories of docs/evaluation.md, it is what finds
# maintainers; the rest adds a little each.
MAINTAINER = Profile(
    name="maintainer",
    weights=(
        ("activity", 0.6),
        ("recent_activity", 0.15),
        ("pagerank", 0.05),
        ("trust", 0.05),
        ("ownership", 0.05),
        ("tenure", 0.05),
        ("reviews", 0.05),
    ),
    description="who holds the project together: sustained work, ownership, centrality, "
    "tenure, reviews",
)

# "Who should we hire": people outside the company whose recent work is good, growing and
# broad. Quality signals (merged share, review depth, tests and docs with code, first
# responses) weigh as much as volume, and so does building on the company's models on the
# Hugging Face Hub (zero for everyone where the Hub was not mined).
RECRUITER = Profile(
    name="recruiter",
    weights=(
        ("activity", 0.1),
        ("recent_activity", 0.2),
        ("momentum", 0.1),
        ("merge_ratio", 0.1),
        ("review_depth", 0.05),
        ("tests_docs", 0.1),
        ("responsiveness", 0.1),
        ("breadth", 0.1),
        ("pagerank", 0.05),
        ("derivatives", 0.1),
    ),
    affiliations=("community", "former_employee", "unknown"),
    description="who to hire: recent, growing, good-quality work by people outside the company",
)

# "Who do projects name": the curves learned from the owner files of 53 public
# repositories (talent.ranking.learning; benchmarks/maintainer_model.py). Every signal weighs 1:
# the curves carry the magnitudes, and signals the model lacks contribute nothing.
LEARNED = Profile(
    name="learned",
    weights=tuple((signal, 1.0) for signal in SIGNAL_NAMES),
    scaling="learned",
    description="who projects name as maintainers: curves learned from the owner files "
    "of 53 public repositories",
)

BUILTIN_PROFILES = (MAINTAINER, RECRUITER, LEARNED)


@dataclass(frozen=True)
class ActivityWeights:
    """Weights of the activity measure, per activity kind.

    The first five are OpenDigger's published AHP weights (``src/metrics/indices.ts``);
    OpenDigger does not count commits or reviews without line comments, which matter
    for code-centric projects, so ``commit`` and ``review`` are our additions.
    """

    issue_comment: float = 0.5252
    issue_opened: float = 2.2235
    pr_opened: float = 4.0679
    review_comment: float = 0.7427
    pr_merged: float = 2.0339
    commit: float = 1.0
    review: float = 1.0

    def as_dict(self) -> dict[str, float]:
        return dict(self.__dict__)


ROLES = ("admin", "recruiter", "hiring_manager", "maintainer")


@dataclass(frozen=True)
class AuthSettings:
    """Sign-in through the company's OpenID Connect provider (Streamlit's ``st.login``).

    Either ``secrets_file`` (a Streamlit secrets file with an ``[auth]`` table, kept
    outside the checkout) or the provider's fields here. Secrets are never written in
    the settings file: ``client_secret_env`` and ``cookie_secret_env`` name environment
    variables; without ``cookie_secret_env`` a random cookie secret is kept beside the
    privacy key.

    Parameters
    ----------
    server_metadata_url:
        The provider's discovery document (``.../.well-known/openid-configuration``).
    client_id:
        The app's client id at the provider.
    client_secret_env:
        The environment variable that holds the client secret.
    redirect_uri:
        ``https://HOST/oauth2callback``, as registered at the provider.
    cookie_secret_env:
        The environment variable that holds the session cookie's signing secret.
    secrets_file:
        A Streamlit secrets file with an ``[auth]`` table instead of the fields above.
    session_hours:
        A sign-in lasts at most this long, whatever the provider's cookie says.
    prompt:
        The OpenID Connect ``prompt`` sent with each sign-in: ``"login"`` (the
        provider asks for the password again, so every sign-in is fresh), or
        ``"select_account"``, ``"consent"``; empty: none sent.
    """

    server_metadata_url: str = ""
    client_id: str = ""
    client_secret_env: str = ""
    redirect_uri: str = ""
    cookie_secret_env: str = ""
    secrets_file: str = ""
    session_hours: float = 12.0
    prompt: str = "login"


@dataclass(frozen=True)
class ScheduleSettings:
    """What ``talent serve`` mines, and how often (``[schedule]``).

    Parameters
    ----------
    every_hours:
        Hours between the start of one run and the next.
    github:
        GitHub organisations (or ``owner/repo``) to mine.
    hf:
        Hugging Face Hub organisations or users to mine.
    git:
        Local clones to mine (paths; relative to the settings file's folder).
    git_names:
        ``(path, "owner/repo")`` for the clones given a name (an entry
        ``{ path = "…", name = "owner/repo" }``); the others are named from the clone.
    digest:
        Send the digest (to ``[digest] webhook``) after each run.
    """

    every_hours: float = 24.0
    github: tuple[str, ...] = ()
    hf: tuple[str, ...] = ()
    git: tuple[str, ...] = ()
    digest: bool = True
    git_names: tuple[tuple[str, str], ...] = ()

    def git_name(self, path: str) -> str | None:
        """The name the settings give the clone at ``path``, or None."""
        return dict(self.git_names).get(path)


@dataclass(frozen=True)
class Settings:
    """Everything a run of talent may be told.

    Parameters
    ----------
    db_url:
        SQLAlchemy URL of the store.
    token_env:
        Name of the environment variable that holds a GitHub token.
    company_domains:
        Email domains whose addresses mark a current employee.
    company_orgs:
        GitHub organisations that belong to the company.
    company_names:
        Ways people write the company in their GitHub profile ("Acme AI", "@acme-ai").
    people_file:
        The hand-made corrections to identity resolution (merges, splits, aliases).
    former_after_days:
        The grace period: a person is an employee from their first to their last work
        with the company's evidence (address, membership, profile) plus this many days,
        counted to the latest activity in the data; a former employee after it.
    profiles:
        The ranking profiles: the built-in ``maintainer`` and ``recruiter`` and any
        defined in the settings file.
    comment_text_days:
        Keep the text of comments (their first line) this many days; older comments keep
        their act, date and link, not their words. None: keep it.
    digest_webhook:
        A URL that ``talent digest`` posts each digest to (``{"text", "digest"}``).
    auth:
        Sign-in (:class:`AuthSettings`); None: the app has no sign-in and serves only on
        loopback, to its one local user.
    roles:
        Who may do what once signed in: ``(address or "@domain", role)`` pairs, a role of
        :data:`ROLES`; an address wins over its domain. Nobody else gets in.
    access_log_days:
        Keep the access log (who viewed, exported, drafted) this many days; None: keep it.
    schedule:
        What ``talent serve`` mines and how often (:class:`ScheduleSettings`).
    key_file:
        The privacy key's file (:mod:`talent.store.keys`); "": ``TALENT_KEY_FILE``, else the
        user's configuration folder. A path relative to the settings file's folder.
    outreach_template:
        The outreach draft's text, with ``{name}``, ``{first_name}``, ``{company}``,
        ``{areas}``, ``{work}``, ``{recent}`` and ``{notice}`` filled in.
    """

    db_url: str = "sqlite:///" + DEFAULT_DB_FILE
    token_env: str = "GITHUB_TOKEN"
    company_domains: tuple[str, ...] = ()
    company_orgs: tuple[str, ...] = ()
    company_names: tuple[str, ...] = ()
    people_file: str = "people.toml"
    former_after_days: int = 180
    profiles: tuple[Profile, ...] = BUILTIN_PROFILES
    activity_weights: ActivityWeights = field(default_factory=ActivityWeights)
    comment_text_days: int | None = None
    outreach_template: str = ""  # "": talent.views.outreach.DEFAULT_TEMPLATE
    digest_webhook: str = ""  # where `talent digest` posts (a generic JSON POST)
    key_file: str = ""  # "": TALENT_KEY_FILE, else ~/.config/talent/privacy.key
    auth: AuthSettings | None = None  # None: no sign-in, the app serves on loopback only
    roles: tuple[tuple[str, str], ...] = ()  # (an e-mail address or "@domain", role)
    access_log_days: int | None = 365  # keep the access log this long; None: for ever
    schedule: ScheduleSettings | None = None

    def profile(self, name: str) -> Profile:
        """The profile called ``name``; :class:`ConfigError` names the known ones."""
        for profile in self.profiles:
            if profile.name == name:
                return profile
        known = ", ".join(p.name for p in self.profiles)
        raise ConfigError(f"unknown profile {name!r} (known: {known})")


def resolve_db_url(value: str | os.PathLike[str] | None = None) -> str:
    """Turn ``--db`` / ``TALENT_DB`` / the default into an SQLAlchemy URL.

    A value containing ``://`` is taken as a URL; anything else is a file path for
    SQLite, made absolute so that the CLI and the app (another process, maybe another
    working directory) open the same file.

    >>> resolve_db_url("postgresql+psycopg://u@localhost/talent")
    'postgresql+psycopg://u@localhost/talent'
    >>> resolve_db_url("/tmp/x.db")
    'sqlite:////tmp/x.db'
    """
    if value is None or str(value) == "":
        value = os.environ.get(DB_ENV_VAR) or DEFAULT_DB_FILE
    text = str(value)
    if "://" in text:
        return text
    return "sqlite:///" + str(Path(text).expanduser().resolve())


def sqlite_path(url: str) -> Path | None:
    """The file behind an SQLite URL, or None for other databases and in-memory SQLite.

    >>> sqlite_path("sqlite:////tmp/x.db")
    PosixPath('/tmp/x.db')
    >>> sqlite_path("sqlite+pysqlite:////tmp/x.db")
    PosixPath('/tmp/x.db')
    >>> sqlite_path("sqlite://") is None
    True
    """
    match = re.match(r"^sqlite(?:\+\w+)?:///(.*)$", url)
    if match is None:
        return None
    rest = match.group(1).split("?", 1)[0]
    if rest in ("", ":memory:"):
        return None
    return Path(rest)


def sqlite_uri(path: Path | str, **query: str) -> str:
    """SQLite's URI filename of ``path`` with ``query`` parameters, its characters
    quoted: unquoted, a space, "#" or "?" in a folder's name ends the path, and another
    file is opened (or made).

    >>> sqlite_uri("/tmp/my store#1.db", mode="ro")
    'file:/tmp/my%20store%231.db?mode=ro'
    """
    uri = f"file:{quote(str(path))}"
    return f"{uri}?{urlencode(query)}" if query else uri


CONFIG_ENV_VAR = "TALENT_CONFIG"
DEFAULT_CONFIG_FILE = "talent.toml"


class ConfigError(ValueError):
    """A settings file that cannot be used; the message names the file (and line)."""


def load_settings(path: str | os.PathLike[str] | None = None, *, db: str | None = None) -> Settings:
    """Settings from a TOML file (``--config``, ``TALENT_CONFIG``, or ./talent.toml if it
    exists), with the database from ``db``.

    The file may hold::

        [company]
        domains = ["acme-ai.com"]
        orgs = ["acme-ai"]
        names = ["Acme AI", "acme"]
        former_after_days = 180   # grace after the last work with the company

        [people]
        file = "people.toml"

        [weights]            # the maintainer profile's weights
        activity = 0.7

        [profiles.kernels]   # a custom profile
        based_on = "recruiter"
        weights = { tests_docs = 0.3 }
        scaling = "quantile"
        affiliations = ["community"]
    """
    import tomllib

    chosen = path or os.environ.get(CONFIG_ENV_VAR)
    if chosen is None and Path(DEFAULT_CONFIG_FILE).exists():
        chosen = DEFAULT_CONFIG_FILE
    base = Settings(db_url=resolve_db_url(db))
    if chosen is None:
        return base
    file = Path(chosen)
    try:
        text = read_text_limited(file, MAX_SETTINGS_BYTES, "the settings file")
        data = parse_toml_limited(text, f"{file}: the settings file")
    except FileNotFoundError:
        raise ConfigError(f"{file}: no such settings file") from None
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read the settings file ({exc.strerror})") from None
    except InputFileError as exc:
        raise ConfigError(str(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: {exc}") from None
    known = {
        "company", "people", "weights", "profiles", "privacy", "outreach", "digest", "auth",
        "roles", "access", "schedule",
    }  # fmt: skip
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(
            f"{file}: unknown section [{unknown[0]}] (known: {', '.join(sorted(known))})"
        )
    for section in known:
        if section in data and not isinstance(data[section], dict):
            raise ConfigError(f"{file}: [{section}] must be a table (a [{section}] header)")
    company = data.get("company", {})
    people = data.get("people", {})

    def strings(table: dict, key: str, where: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{file}: [{where}] {key} must be a list of strings")
        return tuple(value)

    profiles = {p.name: p for p in base.profiles}
    if "weights" in data:  # the first issue's table: the maintainer profile's weights
        maintainer = profiles["maintainer"]
        weights = _weights(file, "[weights]", data["weights"])
        merged = {**maintainer.as_dict(), **weights}
        if not any(merged.values()):
            raise ConfigError(f"{file}: [weights] needs at least one signal with a weight above 0")
        profiles["maintainer"] = replace(maintainer, weights=tuple(merged.items()))
    for name, table in data.get("profiles", {}).items():
        profiles[name] = _profile(file, name, table, profiles)
    people_file = people.get("file", base.people_file)
    if not isinstance(people_file, str):
        raise ConfigError(f"{file}: [people] file must be a string")
    privacy = data.get("privacy", {})
    retention = privacy.get("comment_text_days", base.comment_text_days)
    if retention is not None and (
        not isinstance(retention, int) or isinstance(retention, bool) or retention < 0
    ):
        raise ConfigError(f"{file}: [privacy] comment_text_days must be a whole number of days")
    key_file = privacy.get("key_file", base.key_file)
    if not isinstance(key_file, str):
        raise ConfigError(f"{file}: [privacy] key_file must be a string (a file's path)")
    if key_file:
        key_file = str((file.parent / Path(key_file).expanduser()).resolve())
    template = data.get("outreach", {}).get("template", base.outreach_template)
    if not isinstance(template, str):
        raise ConfigError(f"{file}: [outreach] template must be a string")
    problem = template_problem(template)
    if problem:
        raise ConfigError(f"{file}: [outreach] template: {problem}")
    webhook = data.get("digest", {}).get("webhook", base.digest_webhook)
    if not isinstance(webhook, str) or (
        webhook and not webhook.startswith(("http://", "https://"))
    ):
        raise ConfigError(f"{file}: [digest] webhook must be an http(s) URL")
    former = company.get("former_after_days", base.former_after_days)
    if not isinstance(former, int) or former < 0:
        raise ConfigError(f"{file}: [company] former_after_days must be a whole number of days")
    access = data.get("access", {})
    log_days = access.get("retention_days", base.access_log_days)
    if log_days is not None and (
        not isinstance(log_days, int) or isinstance(log_days, bool) or log_days < 1
    ):
        raise ConfigError(
            f"{file}: [access] retention_days must be a whole number of days (1 or more)"
        )
    return replace(
        base,
        auth=_auth(file, data["auth"]) if "auth" in data else None,
        roles=_roles(file, data.get("roles", {})),
        access_log_days=log_days,
        schedule=_schedule(file, data["schedule"]) if "schedule" in data else None,
        company_domains=strings(company, "domains", "company"),
        company_orgs=strings(company, "orgs", "company"),
        company_names=strings(company, "names", "company"),
        people_file=str(
            (file.parent / people_file) if not Path(people_file).is_absolute() else people_file
        ),
        former_after_days=former,
        profiles=tuple(profiles.values()),
        comment_text_days=retention,
        outreach_template=template,
        digest_webhook=webhook,
        key_file=key_file,
    )


def _auth(file: Path, table: dict) -> AuthSettings:
    """The ``[auth]`` table; a secret written in it is refused (the settings file may be
    in a checkout, a backup or a screen share)."""
    fields = {f for f in AuthSettings.__dataclass_fields__}
    for key in table:
        if key in ("client_secret", "cookie_secret"):
            raise ConfigError(
                f"{file}: [auth] {key} does not belong in the settings file: put it in an "
                f'environment variable and name it with {key}_env = "TALENT_..._SECRET"'
            )
        if key not in fields:
            raise ConfigError(
                f"{file}: [auth] unknown key {key!r} (known: {', '.join(sorted(fields))})"
            )
    for key, value in table.items():
        if key == "session_hours":
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not 0 < value <= 24 * 31
            ):
                raise ConfigError(
                    f"{file}: [auth] session_hours must be a number of hours, above 0"
                )
        elif not isinstance(value, str):
            raise ConfigError(f"{file}: [auth] {key} must be a string")
    if not set(str(table.get("prompt", "")).split()) <= {"login", "consent", "select_account"}:
        raise ConfigError(
            f'{file}: [auth] prompt must be "login", "select_account", "consent" or ""'
        )
    auth = AuthSettings(**table)
    if auth.secrets_file:
        path = Path(auth.secrets_file).expanduser()
        return replace(
            auth, secrets_file=str(path if path.is_absolute() else (file.parent / path).resolve())
        )
    missing = [
        k
        for k in ("server_metadata_url", "client_id", "client_secret_env", "redirect_uri")
        if not getattr(auth, k)
    ]
    if missing:
        raise ConfigError(
            f"{file}: [auth] needs {', '.join(missing)} (or secrets_file = a Streamlit "
            f"secrets file with an [auth] table)"
        )
    for key in ("server_metadata_url", "redirect_uri"):
        if not getattr(auth, key).startswith(("http://", "https://")):
            raise ConfigError(f"{file}: [auth] {key} must be an http(s) URL")
    return auth


def _roles(file: Path, table: dict) -> tuple[tuple[str, str], ...]:
    """``[roles]``: ``ROLE = ["ana@acme.com", "@acme.com"]``. The same address (or domain)
    under two roles is refused: which one would win is not for the code to guess."""
    seen: dict[str, str] = {}
    for role, who in table.items():
        if role not in ROLES:
            raise ConfigError(f"{file}: [roles] unknown role {role!r} (known: {', '.join(ROLES)})")
        if not isinstance(who, list) or not all(isinstance(w, str) for w in who):
            raise ConfigError(
                f'{file}: [roles] {role} must be a list of e-mail addresses or "@domain"s'
            )
        for entry in who:
            key = entry.strip().lower()
            if "@" not in key or key.endswith("@") or " " in key:
                raise ConfigError(
                    f'{file}: [roles] {role}: {entry!r} is neither an e-mail address nor "@domain"'
                )
            if key in seen and seen[key] != role:
                raise ConfigError(f"{file}: [roles] {entry!r} is under both {seen[key]} and {role}")
            seen[key] = role
    return tuple(seen.items())


def _schedule(file: Path, table: dict) -> ScheduleSettings:
    known = set(ScheduleSettings.__dataclass_fields__) - {"git_names"}
    for key in table:
        if key not in known:
            raise ConfigError(
                f"{file}: [schedule] unknown key {key!r} (known: {', '.join(sorted(known))})"
            )
    every = table.get("every_hours", ScheduleSettings.every_hours)
    if isinstance(every, bool) or not isinstance(every, (int, float)) or not every > 0:
        raise ConfigError(f"{file}: [schedule] every_hours must be a number of hours, above 0")
    table = dict(table)
    table["git"], named = _git_entries(file, table.get("git", []))
    lists = {}
    for key in ("github", "hf", "git"):
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ConfigError(f"{file}: [schedule] {key} must be a list of strings")
        lists[key] = tuple(v.strip() for v in value)
    lists["git"] = tuple(
        str(
            Path(p).expanduser()
            if Path(p).expanduser().is_absolute()
            else (file.parent / p).resolve()
        )
        for p in lists["git"]
    )
    if not any(lists.values()):
        raise ConfigError(f"{file}: [schedule] names nothing to mine: give github, hf or git")
    digest = table.get("digest", True)
    if not isinstance(digest, bool):
        raise ConfigError(f"{file}: [schedule] digest must be true or false")
    paths = {raw.strip(): full for raw, full in zip(table["git"], lists["git"], strict=True)}
    git_names = tuple((paths[p], name) for p, name in named)
    return ScheduleSettings(every_hours=float(every), digest=digest, git_names=git_names, **lists)


def _git_entries(file: Path, value: object) -> tuple[object, list[tuple[str, str]]]:
    """``[schedule] git``'s paths, and (path, name) for the entries written
    ``{ path = "…", name = "owner/repo" }``; other values are left for the list check."""
    if not isinstance(value, list):
        return value, []
    paths: list[object] = []
    named: list[tuple[str, str]] = []
    for entry in value:
        if not isinstance(entry, dict):
            paths.append(entry)
            continue
        path, name = entry.get("path"), entry.get("name")
        if set(entry) - {"path", "name"} or not isinstance(path, str) or not path.strip():
            raise ConfigError(
                f'{file}: [schedule] git: an entry is "PATH" or {{ path = "PATH", '
                'name = "OWNER/REPO" }'
            )
        if name is not None:  # its spelling is checked where it is mined, as --name's
            if not isinstance(name, str) or not name.strip():
                raise ConfigError(f"{file}: [schedule] git: name must be OWNER/REPO")
            named.append((path.strip(), name.strip()))
        paths.append(path)
    return paths, named


OUTREACH_FIELDS = ("name", "first_name", "company", "areas", "work", "recent", "notice")


def template_problem(template: str) -> str | None:
    """What is wrong with an outreach template, or None.

    A template holds only plain fields of :data:`OUTREACH_FIELDS` (``{name}``), with
    ``{{`` and ``}}`` for literal braces: no format specs (``{notice:.0}`` would drop the
    notice, ``{name:>99999999}`` fill the memory), no conversions (``{name!r}``), no
    attribute or index access (``{name.__class__}``, ``{name[0]}``), so filling it
    (:func:`talent.views.outreach.fill_template`) can only put the values in, whole.
    ``{notice}`` must be there exactly once. The empty template stands for the default.

    >>> template_problem("Hi {first_name}, {{literally}} {notice}") is None
    True
    >>> template_problem("Hi {email}")[:22]
    'unknown field {email} '
    >>> template_problem("{notice:.0}")
    '{notice:.0}: no format specs; write the field alone, as {notice}'
    >>> template_problem("{name.__class__} {notice}")[:31]
    'unknown field {name.__class__} '
    """
    import string

    known = ", ".join("{" + f + "}" for f in OUTREACH_FIELDS)
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        return f"{exc} (write {{{{ and }}}} for a literal brace)"
    notices = 0
    for _, field_name, spec, conversion in parts:
        if field_name is None:
            continue
        if field_name not in OUTREACH_FIELDS:
            return f"unknown field {{{field_name}}} (use {known})"
        if conversion is not None:
            return (
                f"{{{field_name}!{conversion}}}: no conversions; write the field alone, "
                f"as {{{field_name}}}"
            )
        if spec:
            return (
                f"{{{field_name}:{spec}}}: no format specs; write the field alone, "
                f"as {{{field_name}}}"
            )
        notices += field_name == "notice"
    if template and notices == 0:
        return "it must carry {notice}: the privacy notice goes with every message"
    if notices > 1:
        return f"it carries {{notice}} {notices} times: put the privacy notice in once"
    return None


def _weights(file: Path, where: str, table: object) -> dict[str, float]:
    if not isinstance(table, dict):
        raise ConfigError(f"{file}: {where} must be a table of signal = weight")
    bad = sorted(set(table) - set(SIGNAL_NAMES))
    if bad:
        raise ConfigError(
            f"{file}: {where} unknown signal {bad[0]!r} (known: {', '.join(SIGNAL_NAMES)})"
        )
    if not all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
        for v in table.values()
    ):
        raise ConfigError(f"{file}: {where} values must be finite numbers")
    if any(v < 0 for v in table.values()):
        raise ConfigError(f"{file}: {where} weights must not be negative")
    return {k: float(v) for k, v in table.items()}


def _profile(file: Path, name: str, table: object, known: dict[str, Profile]) -> Profile:
    """A ``[profiles.NAME]`` table: ``based_on``, ``weights``, ``scaling``,
    ``affiliations``, ``description``."""
    where = f"[profiles.{name}]"
    if not isinstance(table, dict):
        raise ConfigError(f"{file}: {where} must be a table")
    keys = {"based_on", "weights", "scaling", "affiliations", "description", "model"}
    unknown = sorted(set(table) - keys)
    if unknown:
        raise ConfigError(f"{file}: {where} unknown key {unknown[0]!r}")
    based_on = table.get("based_on")
    if based_on is not None and based_on not in known:
        raise ConfigError(f"{file}: {where} based_on {based_on!r} is not a profile")
    start = known[based_on] if based_on else Profile(name=name, weights=())
    weights = _weights(file, f"{where} weights", table.get("weights", {}))
    if based_on:
        weights = {**start.as_dict(), **weights}
    if not any(weights.values()):
        raise ConfigError(f"{file}: {where} needs at least one signal with a weight above 0")
    scaling = table.get("scaling", start.scaling)
    if scaling not in SCALINGS:
        raise ConfigError(f"{file}: {where} scaling must be one of {', '.join(SCALINGS)}")
    affiliations = table.get("affiliations", list(start.affiliations))
    if not isinstance(affiliations, list) or not all(a in AFFILIATIONS for a in affiliations):
        raise ConfigError(
            f"{file}: {where} affiliations must be a list of: {', '.join(AFFILIATIONS)}"
        )
    description = table.get("description", start.description)
    if not isinstance(description, str):
        raise ConfigError(f"{file}: {where} description must be a string")
    model = table.get("model", start.model)
    if not isinstance(model, str):
        raise ConfigError(f"{file}: {where} model must be the path of a model file")
    if model:
        model = str((file.parent / model).resolve())
        if scaling != "learned":
            raise ConfigError(f'{file}: {where} model needs scaling = "learned"')
        if not Path(model).is_file():
            raise ConfigError(
                f"{file}: {where} model file {model} not found (make one with talent model train)"
            )
    return Profile(
        name=name,
        weights=tuple(weights.items()),
        scaling=scaling,
        affiliations=tuple(affiliations),
        description=description,
        model=model,
    )
