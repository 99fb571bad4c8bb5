"""Typed settings, passed explicitly from the shells (CLI, app, notebook) to the library.

There is no global configuration: every function that needs a setting takes a
:class:`Settings` (or the single value it needs) as an argument.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_DB_FILE = "talent.db"
DB_ENV_VAR = "TALENT_DB"


@dataclass(frozen=True)
class ScoreWeights:
    """Weights of the score's signals (see :mod:`talent.scoring`).

    Each signal is normalised to [0, 1]; weights that sum to 1 keep a score in [0, 1].
    Sustained activity is the backbone; recency, standing in the collaboration graph,
    trust acts and file ownership each add a little (docs/evaluation.md shows what
    each does on real histories).
    """

    activity: float = 0.7
    recent_activity: float = 0.15
    pagerank: float = 0.05
    trust: float = 0.05
    ownership: float = 0.05

    def as_dict(self) -> dict[str, float]:
        return dict(self.__dict__)


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
        A person whose latest company evidence is older than this, before the latest
        activity in the data, and who went on without it, is a former employee.
    """

    db_url: str = "sqlite:///" + DEFAULT_DB_FILE
    token_env: str = "GITHUB_TOKEN"
    company_domains: tuple[str, ...] = ()
    company_orgs: tuple[str, ...] = ()
    company_names: tuple[str, ...] = ()
    people_file: str = "people.toml"
    former_after_days: int = 180
    score_weights: ScoreWeights = field(default_factory=ScoreWeights)
    activity_weights: ActivityWeights = field(default_factory=ActivityWeights)


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
        former_after_days = 180

        [people]
        file = "people.toml"

        [weights]
        activity = 0.7
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
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{file}: no such settings file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: {exc}") from None
    known = {"company", "people", "weights"}
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

    weights = data.get("weights", {})
    fields = ScoreWeights().as_dict()
    bad = sorted(set(weights) - set(fields))
    if bad:
        raise ConfigError(
            f"{file}: [weights] unknown signal {bad[0]!r} (known: {', '.join(fields)})"
        )
    if not all(isinstance(v, int | float) for v in weights.values()):
        raise ConfigError(f"{file}: [weights] values must be numbers")
    people_file = people.get("file", base.people_file)
    if not isinstance(people_file, str):
        raise ConfigError(f"{file}: [people] file must be a string")
    former = company.get("former_after_days", base.former_after_days)
    if not isinstance(former, int) or former < 0:
        raise ConfigError(f"{file}: [company] former_after_days must be a whole number of days")
    return replace(
        base,
        company_domains=strings(company, "domains", "company"),
        company_orgs=strings(company, "orgs", "company"),
        company_names=strings(company, "names", "company"),
        people_file=str(
            (file.parent / people_file) if not Path(people_file).is_absolute() else people_file
        ),
        former_after_days=former,
        score_weights=ScoreWeights(**{**fields, **weights}),
    )
